import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';
import { loggerOptions, maskUrl } from '../../src/core/logging.ts';

describe('logs', () => {
  it('hold no phone, email, name, message text or token', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-log-'));
    const token = 'log-test-admin-token-0123456789';
    const app = await buildApp(loadConfig({ DATABASE_URL: `file:${join(dir, 'g.db')}`, GATEWAY_ADMIN_TOKEN: token }), {
      loggerInstance: pino(loggerOptions('trace') as pino.LoggerOptions, sink),
    });
    const sent = await app.inject({
      method: 'POST',
      url: '/api/public/messages',
      payload: { name: 'Võ Thị Riêng Tư', phone: '0912 777 888', email: 'rieng.tu@example.vn', text: 'Nội dung bí mật về sổ đỏ' },
    });
    const { conversationId, threadToken } = sent.json();
    await app.inject({ url: `/api/public/conversations/${conversationId}/messages?token=${threadToken}` });
    await app.inject({ url: '/api/v1/conversations', headers: { authorization: `Bearer ${token}` } });
    app.log.info({ contact: { phone: '0912777888', email: 'rieng.tu@example.vn', name: 'Võ Thị Riêng Tư' } }, 'a careless log call');
    await app.close();

    const log = lines.join('');
    expect(log).toContain('request completed');
    for (const secret of ['0912 777 888', '0912777888', '84912777888', 'rieng.tu@example.vn', 'Riêng Tư', 'bí mật', token, threadToken]) {
      expect(log, secret).not.toContain(secret);
    }
  });

  it('masks secrets in logged URLs', () => {
    expect(maskUrl('/webhooks/facebook?hub.mode=subscribe&hub.verify_token=abc&hub.challenge=123')).toBe(
      '/webhooks/facebook?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=[redacted]',
    );
  });
});
