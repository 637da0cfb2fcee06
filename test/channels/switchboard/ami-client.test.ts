// The AMI client alone against the stand-in: a refused login is told apart from a network
// drop, actions are matched to their responses by ActionID, and stop() ends the retries.
import { afterEach, describe, expect, it } from 'vitest';
import { createAmiClient, formatAction, parseBlock, type AmiState } from '../../../src/channels/switchboard/ami-client.ts';
import { startAmiStandin, type AmiStandin } from '../../helpers/ami-standin.ts';
import { waitFor } from '../../helpers/platform-standins.ts';

describe('AMI client', () => {
  let pbx: AmiStandin | undefined;
  let client: ReturnType<typeof createAmiClient> | undefined;
  afterEach(async () => {
    await client?.stop();
    await pbx?.close();
  });

  const start = (port: number, secret: string, states: Array<[AmiState, string | undefined]>) =>
    createAmiClient({ host: '127.0.0.1', port, username: 'gateway', secret, initialBackoffMs: 20, maxBackoffMs: 100, actionTimeoutMs: 2000, keepAliveMs: 60_000, onEvent: () => {}, onState: (s, d) => states.push([s, d]) });

  it('reports a refused login as auth_failed and keeps retrying slowly; stop() ends it', async () => {
    pbx = await startAmiStandin({ username: 'gateway', secret: 'right' });
    const states: Array<[AmiState, string | undefined]> = [];
    client = start(pbx.port, 'wrong', states);
    client.start();
    await waitFor(() => states.some(([s]) => s === 'auth_failed'), 'the refusal');
    expect(states.find(([s]) => s === 'auth_failed')![1]).toMatch(/Authentication failed/);
    expect(client.state).toBe('auth_failed');
    await expect(client.action([['Action', 'Ping']])).rejects.toThrow(/not connected/);
    await client.stop();
    const attempts = pbx.actions.filter((a) => a.Action === 'Login').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pbx.actions.filter((a) => a.Action === 'Login').length).toBe(attempts);
    expect(client.state).toBe('stopped');
  });

  it('matches each action to its own response, and gives up on an unreachable server with backoff', async () => {
    pbx = await startAmiStandin({ username: 'gateway', secret: 'right' });
    const states: Array<[AmiState, string | undefined]> = [];
    client = start(pbx.port, 'right', states);
    client.start();
    await waitFor(() => client!.state === 'connected', 'the login');
    const [a, b] = await Promise.all([client.action([['Action', 'Ping']]), client.action([['Action', 'Originate'], ['Channel', 'PJSIP/101'], ['Exten', '0912345678']])]);
    expect(a.Ping).toBe('Pong');
    expect(b.Message).toBe('Originate successfully queued');
    expect(a.ActionID).not.toBe(b.ActionID);
    await expect(client.action([['Action', 'Bogus']])).rejects.toThrow(/Invalid\/unknown command/);
    await pbx.close();
    pbx = undefined;
    await waitFor(() => states.filter(([s]) => s === 'connecting').length >= 3, 'several reconnect attempts');
    expect(states.some(([s]) => s === 'disconnected')).toBe(true);
  });

  it('parses values holding colons and refuses line breaks in actions', () => {
    expect(parseBlock('Event: Newchannel\r\nCallerIDName: Ông A: 1022\r\nUniqueid: 1.2')).toEqual({ Event: 'Newchannel', CallerIDName: 'Ông A: 1022', Uniqueid: '1.2' });
    expect(() => formatAction([['Action', 'Originate'], ['Exten', '0912\r\nAction: Command']])).toThrow(/line break/);
  });
});
