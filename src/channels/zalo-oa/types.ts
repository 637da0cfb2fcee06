// Raw shapes of Zalo OA Open API v3 / OAuth v4, as the platform sends and answers them. Ids stay
// strings: Zalo's ids exceed Number.MAX_SAFE_INTEGER.

/** One attachment of a user (or OA) message event. */
export interface ZaloAttachment {
  type: 'image' | 'gif' | 'sticker' | 'file' | 'audio' | 'video' | 'location' | 'link' | string;
  payload?: {
    url?: string;
    thumbnail?: string;
    /** Stickers. */
    id?: string;
    /** Files. */
    name?: string;
    size?: string | number;
    checksum?: string;
    type?: string;
    /** Links and videos. */
    description?: string;
    title?: string;
    /** Locations: numbers or numeric strings depending on the client. */
    coordinates?: { latitude: string | number; longitude: string | number };
  };
}

/** `user_send_*`, `anonymous_send_*` and `oa_send_*` events. */
export interface ZaloMessageEvent {
  app_id: string;
  user_id_by_app?: string;
  oa_id?: string;
  event_name: string;
  /** Milliseconds since the epoch, as a string. */
  timestamp: string;
  sender: { id: string };
  recipient: { id: string };
  message: {
    msg_id: string;
    text?: string;
    attachments?: ZaloAttachment[];
    quote_msg_id?: string;
    /** Anonymous chats only. */
    conversation_id?: string;
  };
}

/** `user_received_message` / `user_seen_message`. */
export interface ZaloReceiptEvent {
  app_id: string;
  event_name: 'user_received_message' | 'user_seen_message';
  timestamp: string;
  sender: { id: string };
  recipient: { id: string };
  message: { msg_ids: string[] };
}

/** `follow` / `unfollow`. */
export interface ZaloFollowEvent {
  app_id: string;
  oa_id: string;
  event_name: 'follow' | 'unfollow';
  timestamp: string;
  follower: { id: string };
  source?: string;
}

/** `user_submit_info`: what the citizen shared through the request-info template. */
export interface ZaloSubmitInfoEvent {
  app_id: string;
  oa_id?: string;
  event_name: 'user_submit_info';
  timestamp: string;
  sender: { id: string };
  recipient: { id: string };
  info: { name?: string; phone?: string | number; address?: string; city?: string; district?: string; ward?: string };
}

/** Anything Zalo posts to the webhook; only `event_name`, `app_id` and `timestamp` are common. */
export type ZaloWebhookEvent = { app_id?: string; event_name?: string; timestamp?: string | number } & Record<string, unknown>;

/** Every Open API answer: `error` 0 means success. */
export interface ZaloApiResponse<Data> {
  error: number;
  message?: string;
  data?: Data;
}

/**
 * What Zalo reports of the OA's free replies to one citizen: how many are left of how many, and
 * until when (`expired_date`, "yyyy-MM-dd HH:mm:ss" in Vietnam's time, or milliseconds as text).
 */
export interface ZaloQuota {
  quota_type?: string;
  remain?: string | number;
  total?: string | number;
  expired_date?: string | number;
}

export interface ZaloSendData {
  message_id: string;
  user_id?: string;
  quota?: ZaloQuota;
}

export interface ZaloUploadImageData {
  attachment_id: string;
}

export interface ZaloUploadFileData {
  token: string;
}

export interface ZaloOaInfo {
  oa_id: string;
  name?: string;
  description?: string;
  avatar?: string;
  is_verified?: boolean;
}

export interface ZaloUserDetail {
  user_id: string;
  user_id_by_app?: string;
  display_name?: string;
  user_alias?: string;
  avatar?: string;
  avatars?: Record<string, string>;
  user_is_follower?: boolean;
  shared_info?: { name?: string; phone?: string | number; address?: string; city?: string; district?: string };
}

/** OAuth v4 token answer; `expires_in` is a string of seconds ("90000"). */
export interface ZaloTokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: string | number;
  /** Present (non-zero) on failure, with the fields below. */
  error?: number;
  error_name?: string;
  error_reason?: string;
  error_description?: string;
}

/** The body of `POST v3.0/oa/message/cs`. */
export interface ZaloSendBody {
  recipient: { user_id: string };
  message:
    | { text: string; quote_message_id?: string }
    | {
        text?: string;
        attachment:
          | { type: 'template'; payload: { template_type: 'media'; elements: Array<{ media_type: 'image'; attachment_id?: string; url?: string }> } }
          | { type: 'file'; payload: { token: string } }
          // Query buttons: a tap sends the payload back as the citizen's message (hidden from them).
          | { type: 'template'; payload: { buttons: Array<{ title: string; type: 'oa.query.hide'; payload: string }> } }
          // A form in the chat asking the citizen to share name, phone and address (answered by `user_submit_info`).
          | { type: 'template'; payload: { template_type: 'request_user_info'; elements: Array<{ title: string; subtitle: string; image_url: string }> } };
      };
}
