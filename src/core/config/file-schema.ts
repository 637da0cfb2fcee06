import { z } from 'zod';

/** The ways a campaign's pre-notice can reach a citizen (`care.noticeOrder`). */
export const noticeWays = ['zalo', 'zns', 'email', 'sms'] as const;

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];
const timeRange = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM-HH:MM');

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase slug (a-z, 0-9, -)');

export const ticketTypes = ['question', 'complaint', 'petition', 'suggestion', 'denunciation'] as const;
const ticketTypeKey = z.enum([...ticketTypes, 'default']);
/** Working days for a unit (level 2), its leadership (3) and the province leadership (4). */
const deadlineDays = z.object({
  unit: z.number().int().min(1),
  unitLeadership: z.number().int().min(1),
  provinceLeadership: z.number().int().min(1),
});

export const defaultDeadlines = { unit: 5, unitLeadership: 3, provinceLeadership: 5 };

/** The deployment file (config/default.yaml): who we are, the inboxes, the teams, the queues. */
export const fileSchema = z.object({
  deployment: z.object({
    name: z.string().min(1),
    shortName: z.string().min(1),
    locale: z.enum(['vi', 'en']).default('vi'),
    timezone: z.string().default('Asia/Ho_Chi_Minh'),
    /** Where to report a vulnerability (mailto:, https: or tel:), served as /.well-known/security.txt. */
    securityContact: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+|tel:\+?[\d-]+)$/, 'must be a mailto:, https: or tel: URI').optional(),
  }),
  conversations: z
    .object({
      /** A resolved conversation is reopened by a new message within this many days. */
      reopenWithinDays: z.number().int().min(0).default(7),
    })
    .default({ reopenWithinDays: 7 }),
  outbox: z
    .object({
      maxAttempts: z.number().int().min(1).default(8),
      baseDelayMs: z.number().int().min(1).default(1000),
      maxDelayMs: z.number().int().min(1).default(300_000),
      sendTimeoutMs: z.number().int().min(100).default(15_000),
      /** How long a claimed send may run before another worker may take it over. */
      leaseMs: z.number().int().min(1000).default(60_000),
      pollIntervalMs: z.number().int().min(10).default(1000),
      batchSize: z.number().int().min(1).default(20),
      /**
       * Platform calls a node runs at once. A reply its node writes is claimed by it and sent
       * right after its commit, or when one of these calls ends; with as many already waiting
       * on the node, it waits in the queue for the worker instead.
       */
      maxInFlight: z.number().int().min(1).default(256),
    })
    .default({
      maxAttempts: 8,
      baseDelayMs: 1000,
      maxDelayMs: 300_000,
      sendTimeoutMs: 15_000,
      leaseMs: 60_000,
      pollIntervalMs: 1000,
      batchSize: 20,
      maxInFlight: 256,
    }),
  inboxes: z
    .array(
      z.object({
        key: slug,
        channel: slug,
        name: z.string().min(1),
        /** Channel settings; each channel validates its own (see its config.ts). */
        settings: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1),
  teams: z
    .array(z.object({ key: slug, name: z.string().min(1) }))
    .default([]),
  router: z
    .object({
      /** false: no bot and no automatic routing; every conversation waits in the shared inbox
       * for people (e.g. while the knowledge base is being reviewed). */
      enabled: z.boolean().default(true),
      /** Folder of the knowledge base (one YAML file per entry), reloaded on change. */
      knowledgeBase: z.string().default('config/knowledge-base'),
      /** Confidence (0..1) at or above which the bot answers. */
      answerThreshold: z.number().min(0).max(1).default(0.3),
      /** Two candidates closer than this: the bot asks which one was meant. */
      clarifyMargin: z.number().min(0).max(1).default(0.02),
      /**
       * The runner-up within this share of the best (0.9: at least 90% of its score): the bot asks
       * "A or B?" instead of answering. Chosen on the evaluation sets in test/router so that a
       * confidently wrong answer stays at or under 2% on each (see the router's README).
       */
      clarifyRatio: z.number().min(0).max(1).default(0.9),
      /** The entry on how to send a complaint or petition, suggested to the operator who takes one. */
      complaintEntry: z.string().default('gui-phan-anh-kien-nghi'),
      /** The team for what the knowledge base does not place. */
      defaultTeam: slug.default('tiep-nhan-chung'),
      /** true: the bot also sends entries the hotline has not reviewed (or whose review-by date
       * passed). Turn it off before going live: such questions then go to people, with the entry
       * suggested to the operator. */
      answerUnreviewed: z.boolean().default(false),
      assignment: z
        .object({
          policy: z.enum(['least-loaded', 'round-robin']).default('least-loaded'),
          /** An assigned conversation no agent answered within this many minutes goes to another agent. */
          reassignAfterMinutes: z.number().min(0.01).default(5),
          intervalSeconds: z.number().min(0.1).default(15),
        })
        .default({ policy: 'least-loaded', reassignAfterMinutes: 5, intervalSeconds: 15 }),
    })
    .default({
      enabled: true,
      knowledgeBase: 'config/knowledge-base',
      answerThreshold: 0.3,
      clarifyMargin: 0.02,
      clarifyRatio: 0.9,
      complaintEntry: 'gui-phan-anh-kien-nghi',
      defaultTeam: 'tiep-nhan-chung',
      answerUnreviewed: false,
      assignment: { policy: 'least-loaded', reassignAfterMinutes: 5, intervalSeconds: 15 },
    }),
  security: z
    .object({
      /** Sessions end after this long without activity (SECURITY.md item 3). */
      sessionIdleMinutes: z.number().min(1).default(15),
      sessionAbsoluteHours: z.number().min(1).default(12),
      /** Failed sign-ins before a temporary lockout (item 2). */
      lockoutThreshold: z.number().int().min(1).default(5),
      lockoutMinutes: z.number().min(1).default(15),
      passwordMinLength: z.number().int().min(8).default(12),
      /** Admins must set up TOTP before they can use their session (item 1). */
      mfaRequiredForAdmins: z.boolean().default(true),
      /** Accounts unused this long are disabled (item 4). */
      inactiveAccountDays: z.number().int().min(1).default(45),
      /** Sign-in attempts per minute from one address (item 2, with the per-account lockout). */
      signInAttemptsPerMinute: z.number().int().min(1).default(10),
    })
    .default({
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 12,
      lockoutThreshold: 5,
      lockoutMinutes: 15,
      passwordMinLength: 12,
      mfaRequiredForAdmins: true,
      inactiveAccountDays: 45,
      signInAttemptsPerMinute: 10,
    }),
  tickets: z
    .object({
      /** Codes read `<prefix>-<year>-<number>`, e.g. 1022-2026-000123. */
      codePrefix: z.string().regex(/^[A-Za-z0-9]+$/).default('1022'),
      /** Working days each level has to answer, per ticket type; `default` for types not listed.
       * Provinces set these by decision (SECURITY.md: configurable per level and type). */
      deadlines: z.partialRecord(ticketTypeKey, deadlineDays).default({ default: defaultDeadlines }),
      /** A ticket this many hours before its deadline is "nearly due": units and supervisors are warned. */
      dueSoonHours: z.number().min(0).default(24),
      /** How often overdue and unanswered-survey tickets are looked for. */
      sweepIntervalSeconds: z.number().min(1).default(300),
      /** A citizen who has not rated an answer within this many days counts as "no response". */
      noResponseAfterDays: z.number().min(0).default(3),
      /** How the report rounds rates: half-up (98.37%, 1.59%) or truncate, as the province printed (1.58%). */
      rateRounding: z.enum(['half-up', 'truncate']).default('half-up'),
      /** The hotline's own numbers, to tell inbound from outbound in call records without a direction. */
      hotlineNumbers: z.array(z.string().regex(/^[\d +.-]+$/)).default(['1022']),
    })
    .prefault({}),
  /** Customer care: dossier status lookups and satisfaction-survey campaigns. */
  care: z
    .object({
      /** A dossier code in a citizen's message (regular expression, case-insensitive; the first
       * group, or the whole match, is the code). The default needs a letter, a digit and at least
       * two separators (H12.82-260115-0001), so dates and phone numbers do not match. */
      dossierCodePattern: z
        .string()
        .refine((v) => {
          try {
            new RegExp(v, 'iu');
            return true;
          } catch {
            return false;
          }
        }, 'must be a valid regular expression')
        .default('(?<![\\p{L}\\p{N}.\\-/])((?=[\\p{N}.\\-/]*\\p{L})(?=[\\p{L}.\\-/]*\\p{N})[\\p{L}\\p{N}]+(?:[.\\-/][\\p{L}\\p{N}]+){2,})(?![\\p{L}\\p{N}\\-/]|\\.[\\p{L}\\p{N}])'),
      /** The one-stop system's status API (`{code}` is replaced), asked instead of the imported
       * table; see httpStatusSource in src/desks/care/status-lookup.ts for the answer it expects. */
      statusApiUrl: z.url().refine((v) => v.includes('%7Bcode%7D') || v.includes('{code}'), 'must hold {code}').optional(),
      /** The official number operators call from, named in every pre-notice (campaigns may set their own). */
      outboundNumber: z.string().regex(/^[\d +.()-]{3,20}$/).optional(),
      /** Calls to one citizen before they count as unreachable. */
      maxAttempts: z.number().int().min(1).max(10).default(3),
      /** Times of day calls are tried in (local); a retry goes to a part of the day not tried yet. */
      callWindows: z.array(timeRange).min(1).default(['08:00-11:00', '14:00-16:30', '18:00-20:00']),
      /** Minutes between the pre-notice and the first call, so the citizen has read it. */
      noticeLeadMinutes: z.number().int().min(0).default(60),
      /** How long an operator holds a citizen taken from the queue before others may take them. */
      claimMinutes: z.number().int().min(1).default(20),
      /** Replies to a pre-notice that mean "do not contact me" (compared without accents). */
      optOutWords: z.array(z.string().min(2)).default(['tu choi', 'khong dong y', 'dung lien he', 'huy', 'stop']),
      /** The ways a pre-notice tries, most trusted first; the first that reaches the citizen tells
       * them. `zalo` and `email` write through those inboxes, the others are notice transports
       * (src/channels/registry.ts) used when the environment sets them up; `zns` comes with a
       * Zalo OA that has ZNS templates and is tried only for a campaign that chose one. */
      noticeOrder: z.array(z.enum(noticeWays)).min(1).default(['zalo', 'zns', 'email', 'sms']),
    })
    .prefault({}),
  /**
   * Citizens' requests about their personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP):
   * acknowledged within 2 working days, carried out within 10 to 20 depending on the request.
   * Which request gets which is our reading: check it against the deployment's own rules.
   */
  privacy: z
    .object({
      acknowledgeWorkingDays: z.number().int().min(0).default(2),
      dueWorkingDays: z
        .object({
          access: z.number().int().min(1).default(10),
          correction: z.number().int().min(1).default(10),
          objection: z.number().int().min(1).default(15),
          erasure: z.number().int().min(1).default(20),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * How long personal data is kept, per kind, in days (null: kept until erased on request). A
   * state body's records may have to be archived for years: the province sets these by decision.
   */
  retention: z
    .object({
      /** A resolved conversation with no message for this long loses its messages' content
       * (text, files, payloads); its times, channel and counts stay for the reports. */
      conversationDays: z.number().int().min(1).nullable().default(null),
      /** A citizen not heard from for this long, with nothing open, is erased as on request. */
      contactDays: z.number().int().min(1).nullable().default(null),
      /** An imported dossier finished this long ago loses its applicant's name, phone and email. */
      dossierDays: z.number().int().min(1).nullable().default(null),
      /** A signed platform body the gateway could not use is kept this long for inspection, then
       * deleted: it may name a citizen and nobody reads it after the fault is found. */
      unusablePayloadDays: z.number().int().min(1).nullable().default(30),
    })
    .prefault({}),
  /** The organisation tickets move through, seeded into an empty store (admins edit it after). */
  organisation: z
    .object({
      province: z.object({ key: slug, name: z.string().min(1) }).default({ key: 'ubnd-tinh', name: 'Ủy ban nhân dân tỉnh' }),
      departments: z.array(z.object({ key: slug, name: z.string().min(1) })).default([]),
      /** A JSON file of communes and wards (`units: [{code, name, kind: xa|phuong}]`). */
      localUnitsFile: z.string().optional(),
    })
    .prefault({}),
  businessHours: z
    .object({
      /** Opening hours per weekday in the deployment's time zone, e.g. ["07:00-11:30", "13:30-17:00"]. */
      weekly: z.object(Object.fromEntries(weekdays.map((day) => [day, z.array(timeRange).default([])])) as Record<Weekday, z.ZodDefault<z.ZodArray<typeof timeRange>>>),
      /** Holiday calendars (days off, make-up working days), relative to the project folder. */
      holidayFiles: z.array(z.string()).default([]),
    })
    .optional(),
  /** Files both ways: limits, where the bytes live, how platform links are fetched. */
  attachments: z
    .object({
      /** `auto`: the database when it is PostgreSQL (every node of a cluster reads it), else a folder. */
      storage: z.enum(['auto', 'folder', 'database']).default('auto'),
      /** The folder for `folder` storage (default: `attachments/` beside the SQLite file). */
      dir: z.string().min(1).optional(),
      /** Largest file kept, from citizens or agents. */
      maxBytes: z.number().int().min(1024).default(20 * 1024 * 1024),
      /** Types kept (by the bytes, not the name); default: pictures, PDF, office documents, text, audio, video. */
      allowedTypes: z.array(z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/)).min(1).optional(),
      /** Fetching platform links (Zalo, Messenger) in the background, retried with backoff. */
      fetch: z
        .object({
          maxAttempts: z.number().int().min(1).default(8),
          baseDelayMs: z.number().int().min(1).default(2000),
          maxDelayMs: z.number().int().min(1).default(3_600_000),
          timeoutMs: z.number().int().min(100).default(30_000),
          pollIntervalMs: z.number().int().min(10).default(5000),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type BusinessHoursConfig = NonNullable<FileConfig['businessHours']>;

export type FileConfig = z.infer<typeof fileSchema>;
