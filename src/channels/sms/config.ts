import { z } from 'zod';

/** The variables the SMS transport reads (config/env.example lists them). */
export const smsEnvVariables = ['SMS_GATEWAY_URL', 'SMS_GATEWAY_TOKEN'] as const;

/** An SMS gateway reached over HTTP, from the environment. */
export const smsSettings = z.object({
  /** An endpoint that takes POST {"to": "84...", "text": "..."} and answers 2xx once it accepted the text. */
  SMS_GATEWAY_URL: z.url(),
  /** Sent as `Authorization: Bearer <token>`; unset: no authorization header. */
  SMS_GATEWAY_TOKEN: z.string().min(1).optional(),
  /** Not a variable: how long one send may take. */
  timeoutMs: z.number().int().min(100).default(10_000),
});

export type SmsSettings = z.infer<typeof smsSettings>;
