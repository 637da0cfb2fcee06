/** A channel's names in the deployment's two languages, Vietnamese first. */
export interface ChannelNames {
  vi: string;
  en: string;
}

/**
 * What agents can do on a channel beyond replying: `request_contact_info` sends the platform's
 * form asking the citizen to share name and phone (Zalo OA's request-info template).
 */
export type ChannelFeature = 'request_contact_info';

/** A channel as the agents' web app lists it (`GET /api/v1/channels`). */
export interface ChannelListing {
  /** The channel's key: what conversations and inboxes carry in `channel`. */
  key: string;
  /** What agents read in lists, filters and chips. */
  names: ChannelNames;
  /** What the printed reports call it (the same as `names` unless the channel says otherwise). */
  reportNames: ChannelNames;
  /** A short mark shown before the name on chips. */
  icon: string;
  /** The chip's border colour. */
  color: string;
  /** What agents can do there beyond replying. */
  features: ChannelFeature[];
}

export interface ChannelsResponse {
  /** Every channel the gateway knows, in the registry's order, whether an inbox uses it or not. */
  items: ChannelListing[];
}
