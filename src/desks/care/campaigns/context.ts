import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FileConfig } from '../../../core/config/file-schema.ts';
import { NotFoundError } from '../../../core/errors.ts';
import { t as text, type Locale } from '../../../core/i18n/index.ts';
import type { Db, Store } from '../../../core/store/store.ts';
import { openStatuses } from '../campaign-rules.ts';
import type { DeskLevel } from '../dossier-import.ts';
import type { Questionnaire } from '../questionnaires.ts';
import type { StratumAllocation } from '../sampling.ts';

/** What a campaign stores beside its columns: how its targets are worked. */
export interface CampaignOptions {
  visitLevels: DeskLevel[];
  webSurvey: boolean;
  noticeLeadMinutes: number;
  /** The ZNS template (by key) the pre-notice goes out with; absent: no ZNS. */
  znsTemplate?: string;
}

/**
 * What every part of the campaigns shares: the store, the deployment's care settings, its
 * language and clock, and the campaign row as the parts read it.
 */
export interface CampaignContext {
  store: Store;
  t: Store['t'];
  db: Db;
  config: FileConfig;
  care: FileConfig['care'];
  locale: Locale;
  timeZone: string;
  now: () => Date;
  /** A user-facing text in the deployment's language. */
  say: (key: Parameters<typeof text>[1], params?: Record<string, string | number>) => string;
  /** The campaign with its JSON columns typed; 404 when there is none. */
  campaign: (id: number, tx?: Db) => Promise<CampaignRow>;
}

export function createCampaignContext(store: Store, config: FileConfig, now: () => Date): CampaignContext {
  const { t, db } = store;
  const locale: Locale = config.deployment.locale;
  return {
    store,
    t,
    db,
    config,
    care: config.care,
    locale,
    timeZone: config.deployment.timezone,
    now,
    say: (key, params) => text(locale, key, params),
    campaign: (id, tx = db) => campaignOf(store, id, tx),
  };
}

async function campaignOf(store: Store, id: number, tx: Db) {
  const { t } = store;
  const [row] = await tx.select().from(t.campaigns).where(eq(t.campaigns.id, id)).limit(1);
  if (!row) throw new NotFoundError('campaign');
  return { ...row, questionnaire: row.questionnaire as Questionnaire, options: row.options as CampaignOptions, filter: row.filter as Record<string, unknown>, strata: row.strata as StratumAllocation[] };
}

export type CampaignRow = Awaited<ReturnType<typeof campaignOf>>;

/** Survey links carry a token; only its hash is stored. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
/** A target whose interview has ended (answered, refused, unreachable...) is worked no more. */
export const finalOutcome = (status: string) => !(openStatuses as readonly string[]).includes(status);
