// The web app names channels from the server's list, and that list is the registry's: a channel
// declares its names in its own folder and nowhere else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelRegistry, reportNameOf } from '../../src/channels/registry.ts';
import type { ChannelsResponse } from '../../src/contracts/channels.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

describe('GET /api/v1/channels', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({ listen: false });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  });

  it('answers every channel of the registry, in its order, with the names its folder declares', async () => {
    const response = await gw.app.inject({ method: 'GET', url: '/api/v1/channels', headers: gw.auth });
    expect(response.statusCode).toBe(200);
    const body = response.json<ChannelsResponse>();
    expect(body.items).toEqual(channelRegistry.map((c) => ({ key: c.name, names: c.display.names, reportNames: c.display.reportNames ?? c.display.names, icon: c.display.icon, color: c.display.color, features: [...(c.features ?? [])] })));
    // The Zalo OA offers its request-info form; the web app shows the button from this.
    expect(body.items.find((c) => c.key === 'zalo-oa')?.features).toEqual(['request_contact_info']);
    expect(body.items.map((c) => c.key)).toEqual(channelRegistry.map((c) => c.name));
    for (const item of body.items) {
      expect(item.names.vi, item.key).not.toBe('');
      expect(item.names.en, item.key).not.toBe('');
    }
  });

  it('needs a signed-in agent or a token', async () => {
    expect((await gw.app.inject({ method: 'GET', url: '/api/v1/channels' })).statusCode).toBe(401);
  });
});

describe('channel names in printed reports', () => {
  it('come from the channel folder, and are undefined for what is no channel', () => {
    expect(reportNameOf('messenger', 'vi')).toBe('Facebook');
    expect(reportNameOf('webform', 'en')).toBe('Website and app');
    expect(reportNameOf('email', 'vi')).toBe('Email');
    expect(reportNameOf('phone', 'vi')).toBeUndefined();
  });
});
