/** The hotline address the email tests use. */
export const hotlineAddress = 'hotro1022@dongthap.test';

/**
 * Environment of a gateway whose default email inbox reads `imap` (plain IMAP on loopback) and
 * sends through `smtp`; `extra` adds or overrides variables (poll interval, attachments folder).
 */
export function emailEnv(imap: { host: string; port: number; user: string; password: string }, smtp: { host: string; port: number }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    EMAIL_IMAP_HOST: imap.host,
    EMAIL_IMAP_PORT: String(imap.port),
    EMAIL_IMAP_SECURE: 'false',
    EMAIL_IMAP_USER: imap.user,
    EMAIL_IMAP_PASSWORD: imap.password,
    EMAIL_SMTP_HOST: smtp.host,
    EMAIL_SMTP_PORT: String(smtp.port),
    EMAIL_SMTP_SECURE: 'false',
    EMAIL_FROM: `1022 Đồng Tháp <${hotlineAddress}>`,
    ...extra,
  };
}
