// The customer-care API on the wire (src/desks/care/api.ts): dossiers, campaigns, the call
// queue, visits and results, as JSON (instants are ISO strings).

export type DeskLevel = 'province' | 'district' | 'commune';

export type Template = 'care' | 'survey';

export type StratifyBy = 'deskLevel' | 'unit' | 'none';

export type Outcome = 'completed' | 'no_answer' | 'wrong_number' | 'refused' | 'call_back';

export type Satisfaction = 'satisfied' | 'neutral' | 'not_satisfied';

export type AnswerValue = string | number | boolean;

export interface Question {
  key: string;
  kind: 'choice' | 'scale' | 'yesno' | 'text';
  label: string;
  required: boolean;
  options?: Array<{ value: string; label: string; satisfaction?: Satisfaction }>;
  area?: string;
}

export interface Questionnaire {
  template: string;
  title: string;
  questions: Question[];
  overallKey: string;
}

export interface Attempt {
  at: string;
  agentId: number | null;
  mode: 'phone' | 'visit';
  outcome: Outcome;
  callBackAt: string | null;
  note: string | null;
}

/** A citizen of a campaign as the operator or interviewer works them. */
export interface TargetCard {
  id: number;
  campaignId: number;
  status: string;
  mode: 'phone' | 'visit';
  attempts: number;
  nextAttemptAt: string | null;
  notifiedAt: string | null;
  noticeChannel: string | null;
  phone: string | null;
  satisfaction: Satisfaction | null;
  ticketId: number | null;
  dossier: { code: string; procedure: string | null; field: string | null; desk: string | null; deskLevel: DeskLevel | null; unit: string | null; applicantName: string | null; finishedAt: string | null };
  tel: string | null;
  script: { greeting: string; questionnaire: Questionnaire };
  outcomes: Outcome[];
  history: Attempt[];
}

export interface Stratum {
  key: string;
  population: number;
  allocated: number;
}

export interface CampaignSummary {
  id: number;
  name: string;
  kind: Template;
  status: 'active' | 'closed';
  sampleSize: number;
  createdAt: string;
}

export interface CampaignDetail extends CampaignSummary {
  seed: string;
  strata: Stratum[];
  stratifyBy: StratifyBy;
  minPerStratum: number;
  excludeDays: number;
  outboundNumber: string;
  questionnaire: Questionnaire;
  targets: number;
  byStatus: Record<string, number>;
}

export interface CampaignInput {
  name: string;
  template: Template;
  filter: { finishedFrom?: string; finishedTo?: string; deskLevels?: DeskLevel[]; units?: string[]; procedures?: string[] };
  sampleSize: number;
  stratifyBy: StratifyBy;
  minPerStratum?: number;
  seed?: string;
  excludeDays: number;
  visitLevels?: DeskLevel[];
  webSurvey?: boolean;
  noticeLeadMinutes?: number;
  /** A ZNS template (by key, from GET /api/v1/notice-templates) for the pre-notice; none: no ZNS. */
  znsTemplate?: string;
}

export interface CampaignCreated {
  id: number;
  seed: string;
  drawn: number;
  strata: Stratum[];
  excludedCount: number;
  duplicateCount: number;
  noContact: number;
}

export interface ImportResult {
  rows: number;
  inserted: number;
  updated: number;
  errors: Array<{ line: number; code: string | null; reason: string }>;
  mappingName: string;
}

/** An imported dossier as the supervisors' list shows it (GET /dossiers). */
export interface DossierRow {
  id: number;
  code: string;
  procedure: string | null;
  field: string | null;
  desk: string | null;
  deskLevel: DeskLevel | null;
  unit: string | null;
  applicantName: string | null;
  /** Normalized: 84xxxxxxxxx. */
  applicantPhone: string | null;
  applicantEmail: string | null;
  submittedAt: string | null;
  dueAt: string | null;
  finishedAt: string | null;
  status: string | null;
}

/** The dossier list's filters: `q` is a code, an applicant's name (accents ignored) or phone digits; days are YYYY-MM-DD. */
export interface DossierSearch {
  q?: string;
  status?: string;
  unit?: string;
  finishedFrom?: string;
  finishedTo?: string;
}

export interface NotifyResult {
  notified: number;
  /** `zns` is there only where a Zalo OA offers ZNS templates. */
  byChannel: { zalo: number; zns?: number; email: number; sms: number; none: number };
  remaining: number;
}

export interface Group {
  key: string;
  responses: number;
  satisfied: number;
  neutral: number;
  notSatisfied: number;
  satisfiedPercent: number;
}

export interface CampaignResults {
  campaign: { id: number; name: string; kind: string; status: string; seed: string; sampleSize: number; outboundNumber: string };
  sample: number;
  notified: number;
  reached: number;
  completed: number;
  responseRate: number;
  reachRate: number;
  byStatus: Record<string, number>;
  satisfaction: Group;
  byDeskLevel: Group[];
  byDesk: Group[];
  byUnit: Group[];
  byProcedure: Group[];
  byMonth: Group[];
  byQuestion: Array<{ key: string; label: string; area: string | null; answers: number; mean: number | null; satisfiedPercent: number }>;
  texts: Array<{ targetId: number; code: string; desk: string | null; unit: string | null; procedure: string | null; satisfaction: Satisfaction | null; ticketId: number | null; question: string; label: string; text: string }>;
  notSatisfied: Array<{ targetId: number; code: string; desk: string | null; unit: string | null; procedure: string | null; ticketId: number | null }>;
}

/** A page of imported dossiers, newest first; `nextBefore` asks for the next one. */
export interface DossierPage {
  items: DossierRow[];
  nextBefore: number | null;
}

/** The dossier fields a column mapping can name, and the mappings remembered by name. */
export interface MappingList {
  fields: string[];
  items: Array<{ name: string }>;
}

/** The ticket an interview became, and the unit it went to (null: not forwarded). */
export interface TargetTicket {
  ticketId: number;
  code: string;
  forwardedTo: number | null;
}
