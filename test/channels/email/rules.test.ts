import { describe, expect, it } from 'vitest';
import { smtpError } from '../../../src/channels/email/api-client.ts';
import { emailSettings, emailSettingsFromEnv, resolveEmailSettings } from '../../../src/channels/email/config.ts';
import { automatedReason, createSenderRateLimit, htmlToText, sanitizeEmailHtml } from '../../../src/channels/email/inbound.ts';
import { stripQuotedHistory } from '../../../src/channels/email/quotes.ts';
import {
  conversationFromAddresses,
  conversationFromSubject,
  messageIds,
  parseAddress,
  plusAddress,
  replyMessageId,
  replyReferences,
  replySubject,
  replyToken,
  ticketCode,
  verifyReplyToken,
} from '../../../src/channels/email/threading.ts';
import { ConfigError } from '../../../src/core/config/load-config.ts';

const headers = (lines: Record<string, string>) => ({ headerLines: Object.entries(lines).map(([key, value]) => ({ key: key.toLowerCase(), line: `${key}: ${value}` })) });

describe('email threading', () => {
  it('reads Message-IDs from In-Reply-To and References however they are written', () => {
    expect(messageIds('<a@x.vn> <b@x.vn>\r\n <a@x.vn>')).toEqual(['<a@x.vn>', '<b@x.vn>']);
    expect(messageIds(['<a@x.vn>', '<c@x.vn>'])).toEqual(['<a@x.vn>', '<c@x.vn>']);
    expect(messageIds('bare@x.vn')).toEqual(['<bare@x.vn>']);
    expect(messageIds(undefined)).toEqual([]);
  });

  it('signs reply tokens so only ours file a mail into a conversation', () => {
    const token = replyToken('secret', 42);
    expect(token).toMatch(/^c42-[0-9a-f]{16}$/);
    expect(verifyReplyToken('secret', token)).toBe(42);
    expect(verifyReplyToken('secret', token.toUpperCase())).toBe(42);
    expect(verifyReplyToken('other', token)).toBeNull();
    expect(verifyReplyToken('secret', token.replace('c42', 'c43'))).toBeNull();
    const address = plusAddress('hotro1022@dongthap.gov.vn', token);
    expect(conversationFromAddresses('secret', 'hotro1022@dongthap.gov.vn', ['someone@else.vn', address.toUpperCase()])).toBe(42);
    expect(conversationFromAddresses('secret', 'hotro1022@dongthap.gov.vn', [`hotro1022+${token}@evil.vn`])).toBeNull();
  });

  it('builds the reply subject, references and a Message-ID stable across retries', () => {
    expect(replySubject('RE: Re: TL: Hỏi về căn cước', '1022-2026-000012', 'Trả lời')).toBe('Re: Hỏi về căn cước [1022-2026-000012]');
    expect(replySubject('Re: Hỏi [1022-2026-000012]', '1022-2026-000012', 'x')).toBe('Re: Hỏi [1022-2026-000012]');
    expect(replySubject(undefined, '', 'Trả lời từ 1022 Đồng Tháp')).toBe('Re: Trả lời từ 1022 Đồng Tháp');
    const refs = Array.from({ length: 30 }, (_, i) => `<m${i}@x>`);
    const built = replyReferences(refs, '<parent@x>');
    expect(built).toHaveLength(20);
    expect(built[0]).toBe('<m0@x>');
    expect(built.at(-1)).toBe('<parent@x>');
    expect(replyMessageId('s', 1, 7, 'dongthap.gov.vn')).toBe(replyMessageId('s', 1, 7, 'dongthap.gov.vn'));
    expect(replyMessageId('s', 1, 7, 'dongthap.gov.vn')).not.toBe(replyMessageId('s', 1, 8, 'dongthap.gov.vn'));
    // The code's year is the hotline's: a conversation opened at 18:00 UTC on New Year's Eve is next year's.
    expect(ticketCode('1022-{year}-{id}', 123, new Date('2025-12-31T18:00:00Z'), 'Asia/Ho_Chi_Minh')).toBe('1022-2026-000123');
    expect(conversationFromSubject('Bổ sung [1022-2026-000123]', /\b1022-\d{4}-(\d{6,})\b/i)).toBe(123);
    expect(conversationFromSubject('Mã 1022-26-1', /\b1022-\d{4}-(\d{6,})\b/i)).toBeNull();
  });

  it("writes a conversation reference unlike a phiếu's code, and files by it, never by a phiếu code", () => {
    const fromEnv = emailSettingsFromEnv({ EMAIL_IMAP_HOST: 'imap.x', EMAIL_IMAP_USER: 'u', EMAIL_IMAP_PASSWORD: 'p', EMAIL_SMTP_HOST: 'smtp.x', EMAIL_FROM: 'hotro1022@x.vn' })!;
    const { ticketFormat, ticketPattern } = emailSettings.parse(fromEnv);
    const reference = ticketCode(ticketFormat, 123, new Date('2026-03-01T00:00:00Z'), 'Asia/Ho_Chi_Minh');
    expect(reference).toBe('HT-2026-000123');
    const pattern = new RegExp(ticketPattern, 'i');
    expect(conversationFromSubject(`Re: Hỏi về căn cước [${reference}]`, pattern)).toBe(123);
    // Phiếu 1022-2026-000123 is ticket number 123, not conversation 123.
    expect(conversationFromSubject('Bổ sung cho phiếu 1022-2026-000123', pattern)).toBeNull();
  });

  it('parses addresses with display names', () => {
    expect(parseAddress('1022 Đồng Tháp <HoTro1022@DongThap.gov.vn>')).toEqual({ name: '1022 Đồng Tháp', address: 'hotro1022@dongthap.gov.vn' });
    expect(parseAddress('hotro@dongthap.gov.vn')).toEqual({ address: 'hotro@dongthap.gov.vn' });
    expect(parseAddress('not an address')).toBeNull();
  });
});

describe('quoted history', () => {
  it('cuts what Gmail, Outlook and Apple Mail quote under a reply', () => {
    expect(stripQuotedHistory('Cảm ơn ạ.\n\nVào Th 2, 23 thg 11, 2026 lúc 10:00 1022 Đồng Tháp <hotro@x.vn> đã viết:\n> Câu trả lời')).toBe('Cảm ơn ạ.');
    expect(stripQuotedHistory('Thanks.\n\nOn Mon, 23 Nov 2026 at 10:00, 1022 Dong Thap\n<hotro@x.vn> wrote:\n> answer')).toBe('Thanks.');
    expect(stripQuotedHistory('Vâng.\n\nFrom: 1022 Đồng Tháp <hotro@x.vn>\nSent: Monday\nTo: dan@x.vn\nSubject: Re: Hỏi\n\nNội dung cũ')).toBe('Vâng.');
    expect(stripQuotedHistory('Ok\n-----Original Message-----\nold')).toBe('Ok');
    expect(stripQuotedHistory('Đồng ý.\n\n> dòng trích\n>\n> dòng nữa\n')).toBe('Đồng ý.');
  });

  it('keeps answers written between quoted lines, and a mail that is all quote', () => {
    const inline = '> Anh cần mang gì?\nCCCD.\n> Nộp ở đâu?\nUBND xã.';
    expect(stripQuotedHistory(inline)).toBe(inline);
    expect(stripQuotedHistory('> chỉ có trích dẫn')).toBe('> chỉ có trích dẫn');
  });
});

describe('automatic mail', () => {
  it('recognises auto-replies, bounces, lists and robots', () => {
    expect(automatedReason(headers({ 'Auto-Submitted': 'auto-replied' }), 'a@x.vn')).toMatch(/auto-submitted/);
    expect(automatedReason(headers({ 'Auto-Submitted': 'no' }), 'a@x.vn')).toBeNull();
    expect(automatedReason(headers({ 'X-Autorespond': 'on' }), 'a@x.vn')).toBe('x-autorespond');
    expect(automatedReason(headers({ Precedence: 'junk' }), 'a@x.vn')).toBe('precedence: junk');
    expect(automatedReason(headers({ Precedence: 'first-class' }), 'a@x.vn')).toBeNull();
    expect(automatedReason(headers({ 'Content-Type': 'multipart/report; report-type=delivery-status' }), 'a@x.vn')).toMatch(/^bounce/);
    expect(automatedReason(headers({ 'Return-Path': '<>' }), 'a@x.vn')).toMatch(/^bounce/);
    expect(automatedReason(headers({}), 'MAILER-DAEMON@mx.vn')).toMatch(/mailer-daemon/);
    expect(automatedReason(headers({}), 'postmaster@mx.vn')).toMatch(/postmaster/);
    expect(automatedReason(headers({}), 'no-reply@dichvucong.gov.vn')).toMatch(/no-reply/);
    expect(automatedReason(headers({ Subject: 'Xin chào' }), 'dan@x.vn')).toBeNull();
  });

  it('flags a sender past the hourly limit, and forgets them after the window', () => {
    const limit = createSenderRateLimit(3, 60 * 60_000);
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 8, minutes));
    expect([0, 1, 2, 3].map((m) => limit.hit('a@x.vn', at(m)))).toEqual([false, false, false, true]);
    expect(limit.hit('b@x.vn', at(4))).toBe(false);
    expect(limit.hit('a@x.vn', at(62))).toBe(false);
  });

  it('sanitizes HTML and reads its text', () => {
    const clean = sanitizeEmailHtml('<p onclick="x()">Xin <b>chào</b></p><script>alert(1)</script><img src="https://t.example/p.gif"><img src="cid:logo"><a href="javascript:alert(1)">x</a>');
    expect(clean).toBe('<p>Xin <b>chào</b></p><img /><img src="cid:logo" /><a rel="noopener noreferrer nofollow" target="_blank">x</a>');
    expect(htmlToText('<p>Dòng 1</p><p>Dòng 2 &amp; 3</p><ul><li>a</li><li>b</li></ul>')).toBe('Dòng 1\nDòng 2 & 3\n- a\n- b');
  });
});

describe('email settings', () => {
  it('reads the default inbox from EMAIL_* and needs EMAIL_IMAP_HOST for it', () => {
    expect(emailSettingsFromEnv({})).toBeNull();
    const fromEnv = emailSettingsFromEnv({
      EMAIL_IMAP_HOST: 'imap.x.vn',
      EMAIL_IMAP_PORT: '143',
      EMAIL_IMAP_SECURE: 'false',
      EMAIL_IMAP_USER: 'u',
      EMAIL_IMAP_PASSWORD: 'p',
      EMAIL_SMTP_HOST: 'smtp.x.vn',
      EMAIL_FROM: '1022 <hotro@x.vn>',
      EMAIL_PLUS_ADDRESSING: 'yes',
    });
    const parsed = emailSettings.parse(fromEnv);
    expect(parsed).toMatchObject({ imap: { host: 'imap.x.vn', port: 143, secure: false }, smtp: { host: 'smtp.x.vn', port: 587 }, plusAddressing: true, mailbox: 'INBOX', pollIntervalMs: 60_000 });
    const bad = emailSettings.safeParse(emailSettingsFromEnv({ EMAIL_IMAP_HOST: 'h', EMAIL_IMAP_PORT: 'imap', EMAIL_IMAP_USER: 'u', EMAIL_IMAP_PASSWORD: 'p', EMAIL_FROM: 'x' }));
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['imap.port', 'smtp.host', 'from']));
  });

  it('resolves passwords named by variable, and names a missing one', () => {
    const settings = emailSettings.parse({
      imap: { host: 'h', user: 'u', password: { env: 'TUPHAP_IMAP' } },
      smtp: { host: 's', user: 'u', password: { env: 'TUPHAP_SMTP' } },
      from: 'a@x.vn',
    });
    expect(resolveEmailSettings('k', settings, { TUPHAP_IMAP: 'i', TUPHAP_SMTP: 's' })).toMatchObject({ imap: { password: 'i' }, smtp: { password: 's' } });
    expect(() => resolveEmailSettings('k', settings, { TUPHAP_IMAP: 'i' })).toThrow(ConfigError);
    expect(() => resolveEmailSettings('k', settings, { TUPHAP_IMAP: 'i' })).toThrow(/TUPHAP_SMTP/);
  });
});

describe('SMTP failures', () => {
  it('retries what is temporary and fails visibly what is not', () => {
    expect(smtpError({ responseCode: 451, message: 'try later' }, 'vi')).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(smtpError({ code: 'ECONNECTION', message: 'refused' }, 'vi')).toMatchObject({ kind: 'network', retryable: true });
    expect(smtpError({ responseCode: 550, response: '550 5.1.1 no such user', message: 'x' }, 'vi')).toMatchObject({ kind: 'rejected', retryable: false });
    expect(smtpError({ code: 'EAUTH', responseCode: 535, message: 'bad login' }, 'vi')).toMatchObject({ kind: 'auth_failed', retryable: false });
    expect(smtpError({ responseCode: 552, message: 'too big' }, 'en').message).toContain("larger than the mail server's limit");
  });
});
