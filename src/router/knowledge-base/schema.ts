import { z } from 'zod';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase slug');

/** One procedure or topic the bot may answer (config/knowledge-base/<id>.yaml). */
export const entrySchema = z.object({
  id: slug,
  title: z.string().min(1),
  /** lĩnh vực, as a slug and as a label. */
  field: slug,
  fieldName: z.string().min(1),
  /** The team that takes the conversation when a person is needed. */
  team: slug,
  /** Who handles the procedure: xa, tinh, cong-an-xa, ... */
  level: z.string().min(1),
  questions: z.array(z.coerce.string().min(1)).min(1),
  keywords: z.array(z.coerce.string().min(1)).default([]),
  /**
   * Words or phrases one of which a question must hold for the bot to give this entry as its
   * answer ("nước ngoài", "Việt kiều" for the foreign marriage): a specialised procedure is not
   * the answer to the general question its other words also match.
   */
  requires: z.array(z.coerce.string().min(1)).default([]),
  /** The short answer sent to the citizen (the gateway appends how to reach a person). */
  answer: z.string().min(1).max(2000),
  where: z.string().optional(),
  documents: z.array(z.string()).optional(),
  processingTime: z.string().optional(),
  fee: z.string().optional(),
  onlineUrl: z.string().nullable().optional(),
  legalBasis: z.array(z.string()).default([]),
  sources: z.array(z.string()).default([]),
  confidence: z.enum(['high', 'medium', 'low']).optional(),
  lastReviewed: z.coerce.string(),
  /** False until the hotline has checked the entry. */
  reviewed: z.boolean(),
  /** Who at the hotline checked it (the account's name), when (YYYY-MM-DD), against which legal
   * text, and when it must be checked again (past that date it counts as unreviewed). */
  reviewedBy: z.string().min(1).optional(),
  reviewedAt: z.coerce.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').optional(),
  reviewedAgainst: z.string().min(1).optional(),
  reviewBy: z.coerce.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').optional(),
});

export type KnowledgeEntry = z.infer<typeof entrySchema>;

const phrases = z.array(z.coerce.string().min(1)).default([]);

/** How citizens write (config/knowledge-base/_lexicon.yaml). */
export const lexiconSchema = z.object({
  stopwords: phrases,
  synonyms: z.record(z.string(), z.string()).default({}),
  complaintMarkers: phrases,
  /** Topics the hotline does not answer (weather, football...): always a person's. */
  offTopicMarkers: phrases,
  howToMarkers: phrases,
  personRequests: phrases,
  greetings: phrases,
  thanks: phrases,
});

export type Lexicon = z.infer<typeof lexiconSchema>;
