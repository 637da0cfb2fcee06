import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { AttachmentStore } from '../core/attachments.ts';
import type { GatewayConfig } from '../core/config/load-config.ts';
import type { BusinessHours } from '../core/business-hours.ts';
import type { Conversations } from '../core/conversations.ts';
import type { EventBus } from '../core/events.ts';
import type { OutboundMessage, SendResult } from '../core/domain/types.ts';
import type { InboxState, InboxStatus } from '../core/inboxes.ts';
import type { SharedDetails } from '../core/identity-events.ts';
import type { Ingest } from '../core/ingest.ts';
import type { ReplyWindow, ReplyWindowState } from '../core/outbox.ts';
import type { Metrics } from '../core/metrics.ts';
import type { NoticeTransport } from '../core/notice-transport.ts';
import type { Outreach } from '../core/outreach.ts';
import type { CallEventSink, Dialer } from '../core/telephony.ts';
import type { WindowCounter } from '../core/cluster/window-counter.ts';

/** An inbox as channels see it: one connected account (an OA, a page, a mailbox, a form). */
export interface InboxRef {
  id: number;
  key: string;
  channel: string;
  name: string;
}

/** What core lends a channel. Channels call core; core never imports a channel. */
export interface ChannelContext<Settings> {
  inbox: InboxRef;
  /** The inbox's validated settings. */
  settings: Settings;
  /** True for the first inbox of this channel: it answers on the channel's short paths
   * (e.g. `/webhooks/zalo-oa`); the others answer under `/inboxes/<key>/...`. */
  isDefault: boolean;
  config: GatewayConfig;
  ingest: Ingest;
  conversations: Conversations;
  metrics: Metrics;
  /** Core's event bus: channels with live connections (the widget) follow message updates here. */
  events: EventBus;
  /** The hotline's opening hours and holidays (e.g. the widget says when people are back). */
  businessHours: BusinessHours;
  logger: FastifyBaseLogger;
  /** A per-deployment secret for this channel's own tokens (HMAC keys, visitor tokens). */
  secret: string;
  /** Marks the inbox connected or broken (e.g. "needs reconnect" after a failed token
   * refresh); admins see it and are alerted through the `inbox.status` event. */
  setStatus(status: InboxStatus, detail?: string): Promise<void>;
  /** Sends to a known contact through another inbox (e.g. a chat answer by email), queued
   * through the outbox; also finds outbound messages the citizen has not read. */
  outreach: Outreach;
  /** Marks our sent messages delivered or read by their platform ids (receipts); never downgrades. */
  markDelivery(externalIds: string[], status: 'delivered' | 'read'): Promise<void>;
  /** The same by the store's own ids, for a channel whose citizens see those (the widget's seen marks). */
  markDeliveryOf(messageIds: number[], status: 'delivered' | 'read'): Promise<void>;
  /**
   * A bounce about one of our sent messages (by its id, or its platform ids): with a reason the
   * message becomes failed and shows why. Returns the message's id, or null when it is not ours.
   */
  markBounced(ref: { messageId?: number; externalIds?: string[] }, reason: string | null): Promise<number | null>;
  /** The conversation of a phiếu (ticket) whose code the text quotes, or null: a citizen
   * replying about their phiếu without a thread header is filed with it. */
  conversationQuotedIn(text: string): Promise<number | null>;
  /** Receipts by watermark: everything sent to this person up to `upTo` (Messenger reads). */
  markDeliveryUpTo(externalUserId: string, upTo: Date, status: 'delivered' | 'read'): Promise<void>;
  /** Durable key-value storage scoped to this inbox (tokens, cursors). `update` runs its
   * function inside one transaction, so read-modify-write is atomic across nodes. */
  state: InboxState;
  /** Keeps a signed payload (or one event of it) the channel cannot use, for inspection, and
   * logs why without personal data; the webhook still acknowledges it. */
  keepUnusable(reason: string, raw: unknown): Promise<void>;
  /** The gateway's file store (checks, image metadata stripped, the configured storage): a
   * channel keeps citizens' files there and reads the files agents send (`meta.storageKey`). */
  files: AttachmentStore;
  /** The call log (telephony channels): a switchboard's call events become one row per call. */
  calls: CallEventSink;
  /** A per-key counter over fixed windows for this inbox's abuse limits, named by the channel
   * (unique within the inbox). In a cluster it counts across all the nodes (Redis); alone, or
   * while Redis is down, in this process. */
  windowCounter(name: string, limit: number, windowMs: number): WindowCounter;
  /**
   * What the platform says of a person outside their messages, kept on their contact without
   * opening a conversation: following the account or not (Zalo OA follow/unfollow), and details
   * they shared (Zalo's request-info form), whose phone links them to the contact that has it.
   */
  identities: {
    setFollowing(externalUserId: string, following: boolean, at: Date, displayName?: string): Promise<{ contactId: number }>;
    shareDetails(externalUserId: string, details: SharedDetails, at: Date): Promise<{ contactId: number; mergedFrom: number | null }>;
  };
}

export type { InboxState, InboxStatus } from '../core/inboxes.ts';
export type { ReplyWindow, ReplyWindowState } from '../core/outbox.ts';
export type { WindowCounter } from '../core/cluster/window-counter.ts';
export type { Outreach, OutreachRequest, OutreachResult } from '../core/outreach.ts';

/** One running connection to a platform, created per inbox. */
export interface ChannelAdapter {
  /**
   * Registers the channel's inbound HTTP routes (webhooks, public forms) inside an encapsulated
   * plugin of its own, so raw-body parsing and signature checks stay inside the channel.
   */
  routes?(app: FastifyInstance): Promise<void>;
  /**
   * Delivers one outbound message to the platform. Resolves with the platform's message id when
   * it has one; rejects with a ChannelError whose `retryable` tells the outbox whether to try
   * again. Must honour `signal` (the outbox aborts sends that take too long).
   */
  send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult>;
  /**
   * The platform's messaging window (e.g. Zalo 48 h and 8 free replies, Messenger 24 h). Absent
   * means always open. The outbox refuses a reply outside it instead of queueing a lost send.
   */
  replyWindow?(state: ReplyWindowState): ReplyWindow;
  /**
   * True when the channel has no platform to deliver to and `send` does nothing (the web form:
   * the citizen reads their thread): a reply is delivered when it is committed, so the outbox
   * writes it as sent and keeps no row to send it.
   */
  deliversOnCommit?: boolean;
  /**
   * True when a citizen watches an open connection for the answer (the live chat): the bot takes
   * such a message before the others stored with it, which wait for the event loop's next turn,
   * so a busy form or webhook does not hold up an answer someone is looking at the screen for.
   */
  live?: boolean;
  /**
   * Asks the platform about one citizen's window (Zalo's quota API) and keeps the answer briefly,
   * so `replyWindow`, which must answer at once inside a transaction, can use it. Never rejects:
   * a platform that cannot be asked leaves `replyWindow` to its fixed rule.
   */
  prepareWindow?(recipientExternalId: string): Promise<void>;
  /** Starts background work (mailbox polling, token refresh) once the server is ready. */
  start?(): Promise<void>;
  /** Stops background work and releases connections on shutdown. */
  close?(): Promise<void>;
  /**
   * Work for the inbox that one node of a cluster must do alone (reading a mailbox): the app runs
   * it under a lease, on one node at a time, and moves it to another node when that one dies.
   */
  exclusive?: { start(): Promise<void>; stop(): Promise<void> };
  /** Present when an admin connects the account from the admin screen (a QR code to scan). */
  signIn?: InteractiveSignIn;
  /**
   * Present when the account also reaches citizens by phone number (a Zalo OA's ZNS templates):
   * the app adds it to the notice transports the desks get, beside the registry's own.
   */
  noticeTransport?: NoticeTransport;
  /**
   * Telephony channels: places a call from the hotline's number (ring the operator's extension,
   * then the citizen). The gateway's click-to-call uses the first inbox that has one.
   */
  dialer?: Dialer;
}

/** Where an interactive sign-in stands, as the admin screen shows it (src/contracts/inbox.ts). */
export type { SignInState } from '../contracts/inbox.ts';
import type { SignInState } from '../contracts/inbox.ts';

/** A sign-in an admin carries out from the admin screen (e.g. scanning a QR code with the phone). */
export interface InteractiveSignIn {
  /** Starts a sign-in (or returns the one in progress); resolves once its first step is known. */
  begin(): Promise<SignInState>;
  /** Where the latest sign-in stands; shared by every node, so any node answers. */
  state(): Promise<SignInState>;
  /** Gives up the sign-in in progress on this node, if any. */
  cancel(): Promise<void>;
}

import type { ChannelFeature, ChannelNames } from '../contracts/channels.ts';
export type { ChannelFeature, ChannelNames } from '../contracts/channels.ts';

/** How people read a channel; the registry hands it to the agents' web app and the reports. */
export interface ChannelDisplay {
  /** What agents read in lists, filters and chips. */
  names: ChannelNames;
  /** What the province's printed reports call it, when that differs (Messenger is "Facebook" there). */
  reportNames?: ChannelNames;
  /** A short mark shown before the name on chips (a letter or two, or a symbol). */
  icon: string;
  /** The chip's border colour, so agents tell channels apart at a glance (a CSS colour). */
  color: string;
}

/** A channel: its names, its settings schema and a factory. `registry.ts` lists every channel. */
export interface ChannelDefinition<Schema extends z.ZodType = z.ZodType> {
  /** The value of `channel:` in an inbox's configuration. */
  name: string;
  /** What agents can do on it beyond replying (the web app shows the matching buttons). */
  features?: readonly ChannelFeature[];
  /** Its names for people, declared here so a new channel needs no text elsewhere. */
  display: ChannelDisplay;
  /** Validates the inbox's settings (YAML `settings:` merged over `settingsFromEnv`). */
  settingsSchema: Schema;
  /**
   * Settings of the default inbox taken from environment variables. Returns null when the
   * variables are not set; when they are and config/default.yaml has no inbox of this channel,
   * an inbox keyed by the channel's name is added (so `ZALO_OA_*` alone connects an OA).
   */
  settingsFromEnv?(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null;
  /** Name of the inbox created from environment variables. */
  defaultInboxName?: string;
  /** Every environment variable `settingsFromEnv` reads (config/env.example must list them). */
  envVariables?: readonly string[];
  create(context: ChannelContext<z.infer<Schema>>): ChannelAdapter;
}

/** Helps a channel file keep its settings type: `export default defineChannel({...})`. */
export function defineChannel<Schema extends z.ZodType>(definition: ChannelDefinition<Schema>): ChannelDefinition<Schema> {
  return definition;
}

/**
 * A notice transport (a one-way text to a phone number or address: SMS, ZNS), declared beside the
 * channels in its own folder; `registry.ts` lists every one.
 */
export interface NoticeTransportDefinition {
  /** The transport's name, as `care.noticeOrder` and the records write it. */
  name: string;
  /** Every environment variable it reads (config/env.example must list them). */
  envVariables: readonly string[];
  /** The transport the environment configures, or null when it is not set up; a bad value throws a ConfigError naming it. */
  fromEnv(env: Readonly<Record<string, string | undefined>>): NoticeTransport | null;
}

export type { NoticeTransport } from '../core/notice-transport.ts';
