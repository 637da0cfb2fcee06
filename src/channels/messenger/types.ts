// Raw shapes of the Messenger Platform (Graph API webhooks and Send API) as Facebook sends and
// answers them. PSIDs and page ids stay strings.

export interface MessengerAttachment {
  type: 'image' | 'video' | 'audio' | 'file' | 'location' | 'fallback' | 'template' | string;
  /** Legacy location shares put a map link and a title here rather than in the payload. */
  url?: string;
  title?: string;
  payload?: {
    url?: string;
    title?: string;
    /** Stickers arrive as images with a sticker id. */
    sticker_id?: number | string;
    /** Legacy location shares. */
    coordinates?: { lat: number; long: number };
    /** Echoes of structured messages. */
    template_type?: string;
    [key: string]: unknown;
  } | null;
}

export interface MessengerMessage {
  mid: string;
  text?: string;
  attachments?: MessengerAttachment[];
  quick_reply?: { payload: string };
  reply_to?: { mid: string; is_self_reply?: boolean };
  /** Echoes of what the page sent (from our app, the page inbox, or another app). */
  is_echo?: boolean;
  /** On echoes: the app that sent the message. */
  app_id?: number | string;
  metadata?: string;
  is_deleted?: boolean;
}

/** One element of `entry[].messaging`. Exactly one of message/postback/delivery/read/... is set. */
export interface MessengerEvent {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: MessengerMessage;
  postback?: { title?: string; payload?: string; mid?: string; referral?: unknown };
  delivery?: { mids?: string[]; watermark: number };
  read?: { watermark: number };
  reaction?: unknown;
  referral?: unknown;
  optin?: unknown;
}

export interface MessengerEntry {
  id: string;
  time: number;
  messaging?: MessengerEvent[];
  /** Events for another app holding the thread (handover protocol): not ours to answer. */
  standby?: MessengerEvent[];
}

export interface MessengerWebhookBody {
  object: 'page' | string;
  entry: MessengerEntry[];
}

export type MessengerMessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';

/** The body of `POST /{version}/{page-id}/messages`. */
export interface MessengerSendBody {
  recipient: { id: string };
  messaging_type: MessengerMessagingType;
  tag?: 'HUMAN_AGENT';
  message:
    // Quick replies: a tap comes back as a message with `quick_reply.payload` (titles up to 20 characters).
    | { text: string; quick_replies?: Array<{ content_type: 'text'; title: string; payload: string }> }
    | { attachment: { type: 'image' | 'file' | 'audio' | 'video'; payload: { url: string; is_reusable?: boolean } | { attachment_id: string } } };
}

export interface MessengerSendResponse {
  recipient_id: string;
  message_id: string;
}

/** Graph API failure body. */
export interface GraphErrorBody {
  error: {
    message?: string;
    type?: string;
    code?: number;
    error_subcode?: number;
    is_transient?: boolean;
    fbtrace_id?: string;
  };
}

/** `GET /{PSID}?fields=first_name,last_name,profile_pic`. */
export interface MessengerProfile {
  id: string;
  first_name?: string;
  last_name?: string;
  profile_pic?: string;
}

/** `GET /me` with a page token: the page. `GET /app`: the app the token belongs to. */
export interface GraphNode {
  id: string;
  name?: string;
}
