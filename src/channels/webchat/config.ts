import { z } from 'zod';

const color = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour such as #b71c1c');
const origin = z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s?#]+$/, 'must be an origin such as https://dongthap.gov.vn (no path)')]);

/** Settings of a live-chat inbox (`settings:` under the inbox in config/default.yaml). */
export const webchatSettings = z.object({
  /** Title of the chat panel (default: the deployment's short name, "1022 Đồng Tháp"). */
  title: z.string().min(1).max(60).optional(),
  /** First line the visitor reads (default: the catalogue's greeting). */
  greeting: z.string().min(1).max(300).optional(),
  /** Launcher and header colour, and the colour of text on it. */
  color: color.default('#b71c1c'),
  textColor: color.default('#ffffff'),
  /** Corner of the launcher. */
  position: z.enum(['right', 'left']).default('right'),
  /** Ask name and phone or email before the first message: off, optional (skippable), required. */
  preChatForm: z.enum(['off', 'optional', 'required']).default('optional'),
  /** Websites that may embed the widget and open its socket. Empty: only the gateway's own
   * pages (/demo); "*" allows any site. */
  allowedOrigins: z.array(origin).default([]),
  maxTextLength: z.number().int().min(100).max(10_000).default(2000),
  maxAttachmentBytes: z.number().int().min(1024).max(50 * 1024 * 1024).default(10 * 1024 * 1024),
  /** Folder of uploaded files (default: `attachments/` beside the SQLite file). */
  attachmentsDir: z.string().min(1).optional(),
  /** Abuse limits, per minute. */
  visitorMessagesPerMinute: z.number().int().min(1).default(20),
  ipMessagesPerMinute: z.number().int().min(1).default(60),
  ipConnectionsPerMinute: z.number().int().min(1).default(60),
  /** Open sockets one address may hold at once (a household or an office shares one address). */
  maxSocketsPerIp: z.number().int().min(1).default(30),
  /** Ping interval; a socket that misses one pong is closed. */
  heartbeatSeconds: z.number().int().min(5).max(300).default(25),
  /** An answer the visitor has not seen this many minutes after it was written goes to the
   * email address they left in the pre-chat form; 0 turns this off. Fractions are allowed. */
  emailFallbackAfterMinutes: z.number().min(0).max(7 * 24 * 60).default(10),
  /** Key of the email inbox that sends those mails (default: the first email inbox). */
  emailFallbackInbox: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be the key of an email inbox')
    .optional(),
  /** The page linked in those mails to continue the chat (the widget there resumes it in the
   * same browser). Default: the first of `allowedOrigins`; none when that is empty or "*". */
  chatPageUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

export type WebchatSettings = z.infer<typeof webchatSettings>;
