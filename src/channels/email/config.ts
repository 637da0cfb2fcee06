import { z } from 'zod';
import { ConfigError } from '../../core/config/load-config.ts';
import { parseAddress } from './threading.ts';
import { resolveSecret } from '../shared/secret-ref.ts';

/**
 * A password given inline (from env through `settingsFromEnv`) or, in YAML, as `{ env: NAME }`:
 * config/default.yaml never holds secrets, so a second mailbox names the variable holding its own.
 */
const secret = (variable: string) =>
  z.union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })], {
    error: `required: set ${variable} (default inbox) or settings.<name>: { env: VARIABLE }`,
  });

const port = z.number().int().min(1).max(65535);

const regex = z.string().refine(
  (source) => {
    try {
      return new RegExp(source).source.length > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression' },
);

/** Settings of an email inbox (`settings:` under the inbox, merged over the EMAIL_* variables). */
export const emailSettings = z.object({
  imap: z.object({
    host: z.string({ error: 'required: set EMAIL_IMAP_HOST or settings.imap.host' }).min(1),
    port: port.default(993),
    /** TLS from the first byte (993); false means STARTTLS when offered (143). */
    secure: z.boolean().default(true),
    user: z.string({ error: 'required: set EMAIL_IMAP_USER or settings.imap.user' }).min(1),
    password: secret('EMAIL_IMAP_PASSWORD'),
    /** Refuse servers whose certificate does not verify (turn off only for a lab server). */
    rejectUnauthorized: z.boolean().default(true),
  }),
  smtp: z.object({
    host: z.string({ error: 'required: set EMAIL_SMTP_HOST or settings.smtp.host' }).min(1),
    port: port.default(587),
    /** TLS from the first byte (465); false means STARTTLS when offered (587, 25). */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
    password: secret('EMAIL_SMTP_PASSWORD').optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
  /** The hotline's address, e.g. `1022 Đồng Tháp <hotro1022@dongthap.gov.vn>`. */
  from: z
    .string({ error: 'required: set EMAIL_FROM or settings.from' })
    .refine((value) => parseAddress(value) !== null, { message: 'must be an address, e.g. "1022 Đồng Tháp <hotro1022@example.gov.vn>"' }),
  /** The folder read for new mail. */
  mailbox: z.string().min(1).default('INBOX'),
  /** The mail server delivers `user+anything@domain` to this mailbox: replies then carry a
   * reply-to token that finds the conversation even when a mail client drops In-Reply-To. */
  plusAddressing: z.boolean().default(false),
  /** Safety sweep besides IDLE (and the only way on servers without IDLE). */
  pollIntervalMs: z.number().int().min(200).default(60_000),
  /** Quiet time after a command before IDLE starts (imapflow's autoIdleDelay). */
  idleDelayMs: z.number().int().min(100).default(1000),
  /**
   * First connection: import what the mailbox already holds (true) or start at new mail. What is
   * imported is the mailbox's history, never answered (see historyOlderThanDays).
   */
  importExisting: z.boolean().default(true),
  /**
   * Mail the server received this many days or more before it is read is history too, even on a
   * running gateway (a mailbox reconnected after a long outage). Mail that was already in the
   * mailbox when the gateway first read it (or when the server renumbered it) always is. History
   * is stored and shown, marked imported: no bot, no auto-reply, no assignment, no alert. Null: by
   * the connection only.
   */
  historyOlderThanDays: z.number().int().min(1).nullable().default(30),
  /** Mails fetched and stored per transaction. */
  batchSize: z.number().int().min(1).max(500).default(20),
  /** A mail bigger than this is stored from its headers only. */
  maxMessageBytes: z.number().int().min(64 * 1024).default(25 * 1024 * 1024),
  /** An attachment bigger than this is listed but not kept. */
  maxAttachmentBytes: z.number().int().min(1024).default(10 * 1024 * 1024),
  /** Folder of attachment files (default: `attachments/` beside the SQLite file). */
  attachmentsDir: z.string().min(1).optional(),
  /**
   * The conversation's reference written in reply subjects, `{year}` and `{id}` (the conversation
   * id, 6 digits or more) filled in; empty for none. Its default must not look like a ticket's
   * (phiếu) code, `1022-2026-000123`: those number tickets, not conversations, and a citizen
   * quoting one must not be filed by it into the conversation of the same number.
   */
  ticketFormat: z.string().default('HT-{year}-{id}'),
  /** Finds that reference in an inbound subject; its last capture group is the conversation id. */
  ticketPattern: regex.default('\\bHT-\\d{4}-(\\d{6,})\\b'),
  /** Mails from one sender beyond this many per window are stored but never auto-answered. */
  senderRateLimit: z
    .object({ max: z.number().int().min(1).default(20), windowMinutes: z.number().int().min(1).default(60) })
    .default({ max: 20, windowMinutes: 60 }),
  /** Limit of one SMTP or IMAP step (connect, greeting, command). */
  timeoutMs: z.number().int().min(500).default(30_000),
});

export type EmailSettingsInput = z.infer<typeof emailSettings>;

/** Settings with passwords resolved to their values. */
export type EmailSettings = Omit<EmailSettingsInput, 'imap' | 'smtp'> & {
  imap: Omit<EmailSettingsInput['imap'], 'password'> & { password: string };
  smtp: Omit<EmailSettingsInput['smtp'], 'password'> & { password?: string };
};

/** The variables the default email inbox reads (config/env.example lists them). */
export const emailEnvVariables = [
  'EMAIL_IMAP_HOST',
  'EMAIL_IMAP_PORT',
  'EMAIL_IMAP_SECURE',
  'EMAIL_IMAP_USER',
  'EMAIL_IMAP_PASSWORD',
  'EMAIL_SMTP_HOST',
  'EMAIL_SMTP_PORT',
  'EMAIL_SMTP_SECURE',
  'EMAIL_SMTP_USER',
  'EMAIL_SMTP_PASSWORD',
  'EMAIL_FROM',
  'EMAIL_MAILBOX',
  'EMAIL_PLUS_ADDRESSING',
  'EMAIL_POLL_INTERVAL_MS',
  'EMAIL_ATTACHMENTS_DIR',
] as const;

/** A number or boolean as the schema wants it; a value that is neither stays a string, so the
 * schema's error names the variable's setting instead of a silent NaN or false. */
const asNumber = (value: string) => (/^\d+$/.test(value.trim()) ? Number(value) : value);
const asBoolean = (value: string) => {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};

/** The default inbox from EMAIL_* variables; null when EMAIL_IMAP_HOST is not set. */
export function emailSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null {
  if (!env.EMAIL_IMAP_HOST) return null;
  const pick = <T>(name: string, convert: (value: string) => T) => (env[name] ? convert(env[name]) : undefined);
  const object = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  const text = (value: string) => value;
  return object({
    imap: object({
      host: env.EMAIL_IMAP_HOST,
      port: pick('EMAIL_IMAP_PORT', asNumber),
      secure: pick('EMAIL_IMAP_SECURE', asBoolean),
      user: pick('EMAIL_IMAP_USER', text),
      password: pick('EMAIL_IMAP_PASSWORD', text),
    }),
    smtp: object({
      host: pick('EMAIL_SMTP_HOST', text),
      port: pick('EMAIL_SMTP_PORT', asNumber),
      secure: pick('EMAIL_SMTP_SECURE', asBoolean),
      user: pick('EMAIL_SMTP_USER', text),
      password: pick('EMAIL_SMTP_PASSWORD', text),
    }),
    from: pick('EMAIL_FROM', text),
    mailbox: pick('EMAIL_MAILBOX', text),
    plusAddressing: pick('EMAIL_PLUS_ADDRESSING', asBoolean),
    pollIntervalMs: pick('EMAIL_POLL_INTERVAL_MS', asNumber),
    attachmentsDir: pick('EMAIL_ATTACHMENTS_DIR', text),
  });
}

/** Replaces `{ env: NAME }` passwords by the variables' values; throws naming a missing one. */
export function resolveEmailSettings(inboxKey: string, settings: EmailSettingsInput, env: Readonly<Record<string, string | undefined>>): EmailSettings {
  const smtpPassword = settings.smtp.password === undefined ? undefined : resolveSecret(inboxKey, 'smtp.password', settings.smtp.password, env);
  if (settings.smtp.password !== undefined && !settings.smtp.user) {
    throw new ConfigError(`inbox "${inboxKey}" settings.smtp.user: required when an SMTP password is set (EMAIL_SMTP_USER)`);
  }
  return {
    ...settings,
    imap: { ...settings.imap, password: resolveSecret(inboxKey, 'imap.password', settings.imap.password, env) },
    smtp: { host: settings.smtp.host, port: settings.smtp.port, secure: settings.smtp.secure, rejectUnauthorized: settings.smtp.rejectUnauthorized, ...(settings.smtp.user ? { user: settings.smtp.user } : {}), ...(smtpPassword !== undefined ? { password: smtpPassword } : {}) },
  };
}
