// Citizens' personal-data requests on the wire (src/desks/privacy/api.ts), as JSON (instants are
// ISO strings).

export type RequestKind = 'access' | 'correction' | 'objection' | 'erasure';

export type Outcome = 'done' | 'refused';

export interface PrivacyRequest {
  id: number;
  kind: RequestKind;
  contactId: number | null;
  requesterName: string;
  requesterContact: string | null;
  receivedVia: string;
  details: string | null;
  receivedAt: string;
  acknowledgeBy: string;
  dueAt: string;
  acknowledgedAt: string | null;
  completedAt: string | null;
  outcome: Outcome | null;
  outcomeNote: string | null;
  createdById: number | null;
  handledById: number | null;
  createdAt: string;
  updatedAt: string;
  /** Open and past its due date. */
  overdue: boolean;
  /** Open, not acknowledged, and past the date it had to be. */
  acknowledgementOverdue: boolean;
}

/** What an erasure did, as the server counts it. */
export interface ErasureResult {
  contactId: number;
  messages: number;
  identities: number;
  files: number;
  dossiers: number;
  calls: number;
  campaignTargets: number;
  /** Kept, without the citizen's identity: the handling record the hotline must keep. */
  ticketsKept: number;
  /** Kept: "do not contact me" must outlive the erasure, or campaigns would call again. */
  optOutsKept: number;
  /** Kept-for-inspection platform bodies that named them (their account id, phone or email). */
  unusablePayloads: number;
}

export interface NewPrivacyRequest {
  kind: RequestKind;
  requesterName: string;
  requesterContact?: string;
  receivedVia: string;
  details?: string;
  contactId?: number;
  receivedAt?: string;
}
