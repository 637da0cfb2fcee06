import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { GatewayConfig } from '../core/config/load-config.ts';
import type { BusinessHours } from '../core/business-hours.ts';
import type { Conversations } from '../core/conversations.ts';
import type { EventBus } from '../core/events.ts';
import type { OutboundMessage, SendResult } from '../core/domain/types.ts';
import type { InboxState, InboxStatus } from '../core/inboxes.ts';
import type { Ingest } from '../core/ingest.ts';
import type { ReplyWindow, ReplyWindowState } from '../core/outbox.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Outreach } from '../core/outreach.ts';
import type { CallEventSink, Dialer } from '../core/telephony.ts';

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
  /** The conversation of a phiếu (ticket) whose code the text quotes, or null: a citizen
   * replying about their phiếu without a thread header is filed with it. */
  conversationQuotedIn(text: string): Promise<number | null>;
  /** Receipts by watermark: everything sent to this person up to `upTo` (Messenger reads). */
  markDeliveryUpTo(externalUserId: string, upTo: Date, status: 'delivered' | 'read'): Promise<void>;
  /** Durable key-value storage scoped to this inbox (tokens, cursors). `update` runs its
   * function inside one transaction, so read-modify-write is atomic across nodes. */
  state: InboxState;
  /** The call log (telephony channels): a switchboard's call events become one row per call. */
  calls: CallEventSink;
}

export type { InboxState, InboxStatus } from '../core/inboxes.ts';
export type { ReplyWindow, ReplyWindowState } from '../core/outbox.ts';
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
  /** Starts background work (mailbox polling, token refresh) once the server is ready. */
  start?(): Promise<void>;
  /** Stops background work and releases connections on shutdown. */
  close?(): Promise<void>;
  /**
   * Telephony channels: places a call from the hotline's number (ring the operator's extension,
   * then the citizen). The gateway's click-to-call uses the first inbox that has one.
   */
  dialer?: Dialer;
}

/** A channel: its settings schema and a factory. `registry.ts` lists every channel. */
export interface ChannelDefinition<Schema extends z.ZodType = z.ZodType> {
  /** The value of `channel:` in an inbox's configuration. */
  name: string;
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
