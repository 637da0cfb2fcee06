import { z } from 'zod';

/** Settings of a web-form inbox (`settings:` under the inbox in config/default.yaml). */
export const webformSettings = z.object({
  /** Longest message a citizen may send, in characters. */
  maxTextLength: z.number().int().min(100).max(20_000).default(5000),
  /** How many thread reads a citizen's page may make per minute (polling for the answer). */
  threadReadsPerMinute: z.number().int().min(1).default(120),
});

export type WebformSettings = z.infer<typeof webformSettings>;
