import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { botFrameworkError, failureOf, type BotFrameworkFailure } from '../../../src/channels/botframework/api-client.ts';
import { botFrameworkEnvVariables, botFrameworkSettings, botFrameworkSettingsFromEnv, publicCloud, resolveBotFrameworkSettings } from '../../../src/channels/botframework/config.ts';
import { normalizeActivity } from '../../../src/channels/botframework/webhook.ts';
import type { Activity } from '../../../src/channels/botframework/types.ts';

const appId = '4f1c9a8e-2b7d-4e3a-9c61-0d5e8f7a6b21';
const tenantId = '5c6f1e2d-9a8b-4c7d-8e6f-1a2b3c4d5e6f';
const thumbprint = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';

describe('botFrameworkError: connector and token failures to channel errors', () => {
  const connector = (status: number, code?: string): BotFrameworkFailure => ({ kind: 'connector', status, ...(code ? { code } : {}), message: 'x' });
  const cases: Array<[string, BotFrameworkFailure, string, boolean]> = [
    ['throttled 429', connector(429, 'Throttled'), 'rate_limited', true],
    ['bad gateway 502', connector(502), 'network', true],
    ['unavailable 503', connector(503, 'ServiceUnavailable'), 'network', true],
    ['timeout 408', connector(408), 'network', true],
    ['our token refused 401', connector(401, 'Unauthorized'), 'auth_failed', false],
    ['bot blocked or removed 403', connector(403, 'BotDisabledByAdmin'), 'rejected', false],
    ['conversation gone 404', connector(404, 'ConversationNotFound'), 'rejected', false],
    ['bad activity 400', connector(400, 'BadArgument'), 'invalid', false],
    ['wrong secret', { kind: 'token', code: 'invalid_client', message: 'AADSTS7000215' }, 'auth_failed', false],
    ['unknown tenant', { kind: 'token', code: 'invalid_tenant' }, 'auth_failed', false],
    ['login service down', { kind: 'token', code: 'temporarily_unavailable' }, 'network', true],
    ['network', { kind: 'network', cause: new Error('ECONNRESET') }, 'network', true],
    ['empty message', { kind: 'unsupported', detail: 'empty message' }, 'unsupported', false],
    ['never wrote', { kind: 'no_reference', detail: 'msteams:29:x' }, 'rejected', false],
  ];
  it.each(cases)('%s', (_name, failure, kind, retryable) => {
    const error = botFrameworkError(failure, 'en');
    expect({ kind: error.kind, retryable: error.retryable, channel: error.channel }).toEqual({ kind, retryable, channel: 'botframework' });
  });

  it('keeps the status and the connector code in the reason, in the deployment language', () => {
    expect(botFrameworkError({ kind: 'connector', status: 403, code: 'BotDisabledByAdmin', message: 'disabled' }, 'vi').message).toContain('HTTP 403: BotDisabledByAdmin');
    expect(botFrameworkError({ kind: 'connector', status: 403 }, 'vi').message).toMatch(/^Kênh từ chối/);
  });

  it('reads what the SDK throws: RestError, MSAL errors, anything else', () => {
    expect(failureOf(Object.assign(new Error('Forbidden'), { name: 'RestError', statusCode: 403, code: 'BotDisabledByAdmin' }))).toMatchObject({ kind: 'connector', status: 403, code: 'BotDisabledByAdmin' });
    expect(failureOf(Object.assign(new Error('x'), { name: 'ServerError', errorCode: 'invalid_client', errorMessage: 'AADSTS7000215' }))).toEqual({ kind: 'token', code: 'invalid_client', message: 'AADSTS7000215' });
    expect(failureOf(new TypeError('fetch failed'))).toMatchObject({ kind: 'network' });
  });
});

describe('Bot Framework settings', () => {
  const parse = (settings: Record<string, unknown>) => botFrameworkSettings.safeParse(settings);
  const problems = (settings: Record<string, unknown>) => {
    const result = parse(settings);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('takes a MultiTenant bot with a password, the public cloud by default', () => {
    const result = parse({ appId, appPassword: 'secret' });
    expect(result.success && result.data).toMatchObject({ appType: 'MultiTenant', openIdMetadataUrl: publicCloud.openIdMetadataUrl, loginUrl: publicCloud.loginUrl, tokenIssuer: publicCloud.tokenIssuer });
  });

  it('refuses what the SDK would refuse later, naming the setting', () => {
    expect(problems({ appPassword: 'secret' })).toEqual([expect.stringMatching(/^appId: required: set BOTFRAMEWORK_APP_ID/)]);
    expect(problems({ appId: 'my-bot', appPassword: 'secret' })).toEqual(['appId: must be the Microsoft App ID (a GUID)']);
    expect(problems({ appId })).toEqual([expect.stringMatching(/^appPassword: required: set BOTFRAMEWORK_APP_PASSWORD/)]);
    expect(problems({ appId, appType: 'SingleTenant', appPassword: 'secret' })).toEqual([expect.stringMatching(/^tenantId: required for SingleTenant/)]);
    expect(problems({ appId, appType: 'UserAssignedMSI', tenantId, appPassword: 'secret' })).toEqual([expect.stringMatching(/^appPassword: a managed identity has no password/)]);
    expect(problems({ appId, appType: 'UserAssignedMSI' })).toEqual([expect.stringMatching(/^tenantId: required for UserAssignedMSI/)]);
    expect(problems({ appId, certificateThumbprint: thumbprint })).toEqual([expect.stringMatching(/^certificatePrivateKey: a certificate needs both/)]);
    expect(problems({ appId, appPassword: 'secret', certificateThumbprint: thumbprint, certificatePrivateKey: 'PEM' })).toEqual(['appPassword: give a password or a certificate, not both']);
    expect(problems({ appId, appPassword: 'secret', appType: 'Multi' })).toEqual(['appType: must be MultiTenant, SingleTenant or UserAssignedMSI']);
    expect(problems({ appId, appPassword: 'secret', openIdMetadataUrl: 'not a url' })).toHaveLength(1);
  });

  it('takes SingleTenant with a certificate, and a managed identity with its tenant', () => {
    expect(problems({ appId, appType: 'SingleTenant', tenantId, certificateThumbprint: thumbprint, certificatePrivateKey: { env: 'BOT_KEY' } })).toEqual([]);
    expect(problems({ appId, appType: 'UserAssignedMSI', tenantId })).toEqual([]);
  });

  it('resolves secrets named in YAML from the environment, and stops on a missing one', () => {
    const settings = botFrameworkSettings.parse({ appId, appPassword: { env: 'TEAMS_BOT_SECRET' } });
    expect(resolveBotFrameworkSettings('teams', settings, { TEAMS_BOT_SECRET: 's3cret' }).appPassword).toBe('s3cret');
    expect(() => resolveBotFrameworkSettings('teams', settings, {})).toThrow(/inbox "teams" settings.appPassword: environment variable TEAMS_BOT_SECRET is not set/);
  });

  it('makes no inbox without BOTFRAMEWORK_APP_ID, and env.example documents every variable', () => {
    expect(botFrameworkSettingsFromEnv({ BOTFRAMEWORK_APP_PASSWORD: 'x' })).toBeNull();
    const env = Object.fromEntries(botFrameworkEnvVariables.map((variable) => [variable, `value-of-${variable}`]));
    expect(Object.keys(botFrameworkSettingsFromEnv(env)!)).toHaveLength(botFrameworkEnvVariables.length);
    const example = readFileSync(new URL('../../../config/env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const variable of botFrameworkEnvVariables) expect(listed, variable).toContain(variable);
  });
});

describe('normalizeActivity', () => {
  const base = {
    type: 'message',
    id: '1701',
    serviceUrl: 'https://smba.trafficmanager.net/apac/',
    channelId: 'msteams',
    from: { id: '29:1abc', name: 'Trần Văn B' },
    conversation: { id: 'a:1conv' },
    recipient: { id: `28:${appId}` },
    timestamp: '2026-12-01T02:03:04.000Z',
  } as unknown as Partial<Activity>;

  it('files Teams file uploads, images by URL and cards, and drops the HTML copy of the text', () => {
    const activity = {
      ...base,
      text: 'Gửi anh giấy tờ',
      attachments: [
        { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'to-khai.pdf', contentUrl: 'https://tenant.sharepoint.com/to-khai.pdf', content: { downloadUrl: 'https://tenant.sharepoint.com/download/to-khai.pdf', fileType: 'pdf', uniqueId: 'u1' } },
        { contentType: 'image/png', contentUrl: 'https://smba.trafficmanager.net/apac/v3/attachments/0-1/views/original', name: 'anh.png' },
        { contentType: 'text/html', content: '<p>Gửi anh giấy tờ</p>' },
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: [] } },
      ],
    } as unknown as Partial<Activity>;
    const normalized = normalizeActivity(activity, 7);
    expect(normalized.kind).toBe('message');
    if (normalized.kind !== 'message') return;
    expect(normalized.message).toMatchObject({
      inboxId: 7,
      externalMessageId: 'a:1conv|1701',
      sender: { externalUserId: 'msteams:29:1abc', displayName: 'Trần Văn B' },
      text: 'Gửi anh giấy tờ',
      sentAt: new Date('2026-12-01T02:03:04.000Z'),
    });
    expect(normalized.message.attachments).toEqual([
      { kind: 'file', url: 'https://tenant.sharepoint.com/download/to-khai.pdf', name: 'to-khai.pdf', meta: { fileType: 'pdf', uniqueId: 'u1' } },
      { kind: 'image', url: 'https://smba.trafficmanager.net/apac/v3/attachments/0-1/views/original', name: 'anh.png', mimeType: 'image/png' },
      { kind: 'link', meta: { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: [] } } },
    ]);
  });

  it('reads a hero-card choice from value, and tells typing, ignored and unusable activities apart', () => {
    const click = normalizeActivity({ ...base, text: 'Hài lòng', value: { quickReplyPayload: 'vote:1.x:satisfied' } } as Partial<Activity>, 1);
    expect(click.kind === 'message' && click.message.metadata).toMatchObject({ quickReplyPayload: 'vote:1.x:satisfied', channelId: 'msteams' });
    expect(normalizeActivity({ ...base, type: 'typing' } as Partial<Activity>, 1)).toEqual({ kind: 'typing', person: 'msteams:29:1abc' });
    expect(normalizeActivity({ ...base, type: 'conversationUpdate' } as Partial<Activity>, 1)).toEqual({ kind: 'ignored', reason: 'conversationUpdate' });
    expect(normalizeActivity({ ...base, type: 'messageReaction' } as Partial<Activity>, 1)).toEqual({ kind: 'ignored', reason: 'messageReaction' });
    expect(normalizeActivity({ ...base, text: '' } as Partial<Activity>, 1).kind).toBe('unusable');
    expect(normalizeActivity({ ...base, from: undefined, text: 'x' } as Partial<Activity>, 1).kind).toBe('unusable');
    expect(normalizeActivity({ ...base, serviceUrl: undefined, text: 'x' } as Partial<Activity>, 1).kind).toBe('unusable');
    expect(normalizeActivity({}, 1).kind).toBe('unusable');
  });
});
