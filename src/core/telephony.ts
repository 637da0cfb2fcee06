/**
 * What a telephony channel (a switchboard) reports and asks, in the gateway's words. The channel
 * turns AMI events or a call centre's webhook into `CallEvent`s; whoever keeps the call log (the
 * ticket desk, wired in app.ts) turns them into one row per call. Core owns only the shapes, so a
 * channel never imports a desk.
 */

/** The stage a switchboard reports a call has reached. */
export type CallStage = 'ringing' | 'answered' | 'ended' | 'abandoned' | 'recording';

export interface CallEvent {
  /** The switchboard's id of the whole call (Asterisk's Linkedid, a call centre's call id). */
  callId: string;
  stage: CallStage;
  /** When the stage was reached on the switchboard (not when we heard of it). */
  at: Date;
  direction?: 'in' | 'out';
  /** The citizen's number as the switchboard gave it. */
  number?: string;
  /** The operator's extension that rings or answered. */
  extension?: string;
  queue?: string;
  /** Seconds in the queue as the switchboard counted them (AMI HoldTime). */
  queueWaitSeconds?: number;
  recordingUrl?: string;
}

/** Where a channel hands call events; resolves once the call's row is committed. */
export interface CallEventSink {
  record(event: CallEvent, source: string): Promise<void>;
}

/** Asks the switchboard to ring an operator's extension and then connect the citizen. */
export interface DialRequest {
  extension: string;
  /** The citizen's number, dialable by the switchboard (digits, leading 0 for Vietnam). */
  number: string;
  /** Shown to the citizen: the hotline's official number. */
  callerId?: string;
}

export interface DialResult {
  /** The switchboard's id for the attempt, when it gives one. */
  reference: string | null;
}

/** A switchboard able to place calls (AMI Originate, a call centre's API). */
export interface Dialer {
  dial(request: DialRequest): Promise<DialResult>;
}

/** Asterisk and call centres give numbers as 0912..., 84912..., +84 912...: dialled as 0912.... */
export function dialable(number: string): string | null {
  const digits = number.replace(/[^\d+]/g, '').replace(/^\+/, '');
  if (/^84\d{9,10}$/.test(digits)) return `0${digits.slice(2)}`;
  if (/^0\d{9,10}$/.test(digits)) return digits;
  // Short service numbers (1022, 113) and extensions are dialled as they are.
  if (/^\d{2,6}$/.test(digits)) return digits;
  return null;
}
