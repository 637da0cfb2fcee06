// The SMS notice transport against a local HTTP gateway: what it posts, how the gateway's answers
// become typed errors, and how the environment turns it on.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredNoticeTransports, noticeTransportRegistry } from '../../../src/channels/registry.ts';
import { smsError } from '../../../src/channels/sms/api-client.ts';
import { createSmsTransport } from '../../../src/channels/sms/index.ts';
import { ConfigError } from '../../../src/core/config/load-config.ts';
import { ChannelError } from '../../../src/core/errors.ts';

describe('smsError: the gateway answer to a channel error', () => {
  const cases: Array<[number, string, boolean]> = [
    [401, 'auth_failed', false],
    [403, 'auth_failed', false],
    [429, 'rate_limited', true],
    [408, 'network', true],
    [500, 'network', true],
    [503, 'network', true],
    [400, 'invalid', false],
    [422, 'invalid', false],
  ];
  it.each(cases)('%i is %s (retryable %s)', (status, kind, retryable) => {
    const error = smsError({ status });
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: 'sms', kind, retryable, vendorCode: status, message: `SMS gateway answered ${status}` });
  });
  it('a lost connection may be tried again', () => {
    expect(smsError({ network: 'ECONNREFUSED' })).toMatchObject({ channel: 'sms', kind: 'network', retryable: true });
  });
});

describe('the SMS transport over HTTP', () => {
  let server: Server;
  let url = '';
  const received: Array<{ body: unknown; auth: string | undefined; type: string | undefined }> = [];
  let answer = 200;
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk));
      request.on('end', () => {
        received.push({ body: JSON.parse(body), auth: request.headers.authorization, type: request.headers['content-type'] });
        response.writeHead(answer).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('posts {"to","text"} with the bearer token and resolves on 2xx', async () => {
    const sms = createSmsTransport({ SMS_GATEWAY_URL: url, SMS_GATEWAY_TOKEN: 'tok' })!;
    expect(sms).toMatchObject({ name: 'sms', reaches: 'phone' });
    await sms.send({ to: '84912000555', text: 'Xin chào' });
    expect(received.at(-1)).toEqual({ body: { to: '84912000555', text: 'Xin chào' }, auth: 'Bearer tok', type: 'application/json' });
  });
  it('sends no authorization without a token, and rejects with the mapped error', async () => {
    answer = 429;
    const sms = createSmsTransport({ SMS_GATEWAY_URL: url })!;
    await expect(sms.send({ to: '84912000555', text: 'x' })).rejects.toMatchObject({ channel: 'sms', kind: 'rate_limited', retryable: true });
    expect(received.at(-1)?.auth).toBeUndefined();
    answer = 200;
  });
  it('a gateway that does not answer is a retryable network error', async () => {
    const sms = createSmsTransport({ SMS_GATEWAY_URL: 'http://127.0.0.1:9/nothing' })!;
    await expect(sms.send({ to: '84912000555', text: 'x' })).rejects.toMatchObject({ channel: 'sms', kind: 'network', retryable: true });
  });
});

describe('SMS settings', () => {
  it('is off without SMS_GATEWAY_URL, on with it, and names a bad value', () => {
    expect(createSmsTransport({})).toBeNull();
    expect(configuredNoticeTransports({}).map((t) => t.name)).toEqual([]);
    expect(configuredNoticeTransports({ SMS_GATEWAY_URL: 'http://127.0.0.1/x' }).map((t) => t.name)).toEqual(['sms']);
    expect(() => createSmsTransport({ SMS_GATEWAY_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => createSmsTransport({ SMS_GATEWAY_URL: 'not a url' })).toThrow(/SMS_GATEWAY_URL/);
  });
  it('config/env.example lists every variable of every notice transport', () => {
    const example = readFileSync(new URL('../../../config/env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const transport of noticeTransportRegistry) for (const name of transport.envVariables) expect(listed, `${transport.name}: ${name}`).toContain(name);
  });
});
