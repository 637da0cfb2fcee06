// The phone line on the wire (src/desks/tickets/api.ts and src/inbox/telephony-api.ts), as JSON
// (instants are ISO strings). The routes' response schemas are checked against these types in
// test/contracts/wire-types.test.ts, and the inbox reads them.

export type CallDirection = 'in' | 'out';

/** A live call from the switchboard; null for a call logged by hand or imported from records. */
export type CallStatus = 'ringing' | 'answered' | 'ended' | 'missed';

/** A call in the list, newest first (`GET /calls`). */
export interface Call {
  id: number;
  direction: CallDirection;
  number: string;
  startedAt: string;
  durationSeconds: number;
  /** The operator who logged, rang or answered it. */
  agentId: number | null;
  contactId: number | null;
  /** The operator's note on the call. */
  notes: string | null;
  /** 'manual', 'cdr' (imported records) or the switchboard inbox's channel. */
  source: string;
  status: CallStatus | null;
  /** The switchboard has a recording: `GET /calls/:id/recording` plays it through the gateway. */
  hasRecording: boolean;
}

/** One call as `GET /calls/:id` shows it; the switchboard's recording address never leaves the server. */
export interface CallDetail extends Omit<Call, 'status'> {
  status: CallStatus | null;
  externalId: string | null;
  createdAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** Seconds the caller waited before an operator answered (or gave up). */
  queueWaitSeconds: number | null;
  queue: string | null;
  /** The extension that rang or answered. */
  extension: string | null;
  /** A missed call leaves the supervisors' list when someone called back. */
  calledBackAt: string | null;
  calledBackBy: number | null;
}

/** What the operator sees of a caller: found by the contact or the number; `contact: null` is a new caller. */
export interface CallerCard {
  number: string;
  contact: { id: number; name: string | null; phone: string | null; email: string | null } | null;
  conversations: Array<{ id: number; channel: string; inboxName: string; status: string; lastMessageAt: string }>;
  /** Open tickets only. */
  tickets: Array<{ id: number; code: string; subject: string; level: number; status: string; deadline: string | null; receivedAt: string }>;
  dossiers: Array<{ id: number; code: string; procedure: string | null; status: string | null; dueAt: string | null; finishedAt: string | null; unit: string | null }>;
  /** Active care campaigns the citizen is on. */
  care: Array<{ targetId: number; campaignId: number; campaign: string; status: string; attempts: number; callBackAt: string | null }>;
  /** The citizen asked not to be contacted. */
  doNotContact: { since: string; source: string } | null;
}

/** `GET /calls/:id`. */
export interface CallWithCaller {
  call: CallDetail;
  caller: CallerCard;
}

/** A missed or abandoned call nobody has called back yet (`GET /calls/missed`, oldest first). */
export interface MissedCall {
  id: number;
  number: string;
  startedAt: string;
  queue: string | null;
  queueWaitSeconds: number | null;
  contactId: number | null;
  contactName: string | null;
}

/** The supervisors' wallboard (`GET /calls/wallboard`). */
export interface Wallboard {
  waiting: number;
  longestWaitSeconds: number;
  agents: Array<{ id: number; displayName: string; presence: string; extension: string | null; state: 'on_call' | 'free' | 'away' }>;
  onCall: number;
  free: number;
  away: number;
  /** Calls since midnight in the hotline's time zone. */
  today: { in: number; out: number };
}

/** `GET /telephony`: whether click-to-call is available, and the caller's own extension. */
export interface TelephonyInfo {
  clickToCall: boolean;
  extension: string | null;
  callerId: string | null;
}

/** `POST /calls/dial` (202): the switchboard rings the extension, then the number. */
export interface CallDialed {
  extension: string;
  number: string;
  /** The switchboard's reference for the attempt, when it gives one. */
  reference: string | null;
}

/** `POST /calls/import`: the switchboard's call detail records read in. */
export interface CdrImportResult {
  imported: number;
  /** Rows whose record id was imported before (a file sent twice adds nothing). */
  duplicates: number;
  errors: Array<{ line: number; message: string }>;
}

/** A change to a call acknowledged (`PUT /calls/:id/note`, `POST /calls/:id/handled`). */
export interface CallChanged {
  ok: true;
}

/** A call as the live feed tells of it: its stage now, at whose extension. */
export interface LiveCall {
  callId: number;
  externalId: string;
  status: CallStatus;
  direction: CallDirection;
  number: string;
  extension: string | null;
  agentId: number | null;
  contactId: number | null;
  startedAt: string;
  /** It started ringing at `extension` with this event. */
  ring: boolean;
  hasRecording: boolean;
}

/** The live feed's `call.ringing`: the screen pop at the operator's extension. */
export interface CallRinging {
  type: 'call.ringing';
  call: LiveCall;
  caller: CallerCard;
}

/** The live feed's `call.updated`: every change of a call, to its operator and the supervisors. */
export interface CallUpdated extends LiveCall {
  type: 'call.updated';
}
