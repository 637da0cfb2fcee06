// The widget's socket protocol: JSON text frames, `t` names the kind. The browser code in
// web/widget imports these types, so both ends agree at compile time.

/** A message as the visitor sees it. `id` is the store's message id: it only grows. */
export interface WireMessage {
  id: number;
  from: 'visitor' | 'agent' | 'bot';
  text: string | null;
  attachments: WireAttachment[];
  /** ISO time the message was stored. */
  at: string;
  /** The client id the visitor's widget gave it, so a pending bubble is matched. */
  cid?: string;
  /** Buttons under a hotline message (the rating question); a tap sends its payload. */
  choices?: Array<{ title: string; payload: string }>;
}

export interface WireAttachment {
  kind: string;
  name?: string;
  mimeType?: string;
  size?: number;
  url?: string;
}

/** Whether people answer now, and the sentence that says when they will. */
export interface HoursInfo {
  open: boolean;
  nextOpening: string | null;
  notice: string | null;
}

export type ClientFrame =
  /** First frame: the stored token (absent for a new visitor) and the last id already shown. */
  | { t: 'hello'; token?: string; lastId?: number }
  /** Pre-chat answers, kept for the visitor's next messages. */
  | { t: 'profile'; name: string; phone?: string; email?: string }
  /** A visitor's message; `cid` makes a resend after a reconnect idempotent. */
  | { t: 'msg'; cid: string; text: string; payload?: string }
  | { t: 'typing'; on: boolean }
  /** The visitor has seen everything up to this id. */
  | { t: 'seen'; id: number }
  | { t: 'ping' };

export type ServerFrame =
  | { t: 'welcome'; token: string; conversationId: number | null; hours: HoursInfo }
  /** The visitor's conversation changed (their first message opened one): store the new token. */
  | { t: 'session'; token: string; conversationId: number }
  | { t: 'msg'; m: WireMessage }
  /** A visitor's message is stored under this id. */
  | { t: 'ack'; cid: string; id: number }
  | { t: 'typing'; on: boolean }
  | { t: 'seen'; id: number }
  | { t: 'pong' }
  | { t: 'error'; code: 'bad_frame' | 'too_long' | 'rate_limited' | 'session' | 'unavailable'; message: string; cid?: string };

/** What the frame's script is told (rendered into the page, read from a data attribute by web/widget). */
export interface FrameConfig {
  /** Path prefix of this inbox's endpoints, e.g. `/webchat`. */
  prefix: string;
  /** Origin of the page embedding the frame: the only one postMessage talks to. */
  host: string;
  title: string;
  greeting: string;
  color: string;
  textColor: string;
  preChatForm: 'off' | 'optional' | 'required';
  maxTextLength: number;
  maxAttachmentBytes: number;
  accept: string;
  lang: 'vi' | 'en';
  strings: Record<string, string>;
}
