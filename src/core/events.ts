import { EventEmitter } from 'node:events';
import type { ConversationStatus, MessageDirection, DeliveryStatus } from './domain/types.ts';

/** Emitted after the commit that made it true, never before. */
export interface GatewayEvents {
  'message.created': {
    messageId: number;
    conversationId: number;
    inboxId: number;
    contactId: number;
    direction: MessageDirection;
    /** True when the message opened a new conversation or reopened a resolved one. */
    conversationOpened: boolean;
    /** An imported message of the account's history: recorded, never acted on or announced. */
    history?: boolean;
  };
  'message.updated': { messageId: number; conversationId: number; status: DeliveryStatus; error?: string | null };
  'conversation.updated': { conversationId: number; status: ConversationStatus };
  'outbox.enqueued': { conversationId: number };
  /** The router handed a conversation to a team's queue. */
  'conversation.handoff': { conversationId: number; teamId: number; reason: string };
  /** A conversation was assigned to an agent (agentId) or taken back to the queue (null). */
  'conversation.assigned': { conversationId: number; agentId: number | null; teamId: number | null };
  /** A conversation's labels changed; `labelIds` is the whole new set. */
  'conversation.labels': { conversationId: number; labelIds: number[] };
  'agent.presence': { agentId: number; presence: 'online' | 'away' | 'offline' };
  /** Someone is typing in a conversation: an agent in the inbox, or the citizen in the widget. */
  'conversation.typing': { conversationId: number; by: 'agent' | 'contact'; agentId?: number };
  /** Something admins must hear about now (a lockout, a failed token refresh...). */
  'security.alert': { kind: string; agentId?: number; detail: string };
  /** An inbox's connection changed (e.g. a Zalo token could not be refreshed): alert admins. */
  /** A ticket was opened or moved (level, unit, status). */
  'ticket.updated': { ticketId: number; code: string; action: string; level: number; unitId: number | null; status: string };
  /** A ticket became nearly due or overdue: its unit and the supervisors are told. */
  'ticket.deadline': { ticketId: number; code: string; unitId: number | null; level: number; deadline: Date; state: 'due_soon' | 'overdue' };
  /** A citizen rated an answer; not satisfied alerts the supervisors. */
  'ticket.rated': { ticketId: number; code: string; satisfaction: 'satisfied' | 'not_satisfied' | 'no_response' };
  /** A citizen's personal-data request ran past a legal timer: the supervisors are told, once. */
  'privacy.deadline': { requestId: number; kind: string; state: 'acknowledge_overdue' | 'overdue'; deadline: Date };
  /**
   * A switchboard call's row changed (telephony channels). `ring` is true when it starts ringing
   * at `extension`: the operator with that extension gets the screen pop.
   */
  'call.updated': {
    callId: number;
    externalId: string;
    status: 'ringing' | 'answered' | 'ended' | 'missed';
    direction: 'in' | 'out';
    number: string;
    extension: string | null;
    agentId: number | null;
    contactId: number | null;
    startedAt: Date;
    ring: boolean;
    /** The switchboard has a recording of it (played through the gateway, never from its address). */
    hasRecording: boolean;
  };
  'inbox.status': { inboxId: number; status: 'active' | 'needs_reconnect' | 'disabled'; detail: string | null };
  /** This node lost (`degraded`) or regained (`connected`) the link that carries events between
   * nodes. Never crosses nodes: each node says it of itself. */
  'cluster.status': { state: 'connected' | 'degraded' };
  /** A file of a message was fetched and stored, or given up on (too big, refused, unreachable). */
  'attachment.updated': { attachmentId: number; messageId: number; conversationId: number; state: 'stored' | 'too_large' | 'refused_type' | 'failed' | 'pending' };
}

export type EventName = keyof GatewayEvents;

/** Events each node says of itself only: they never cross to other nodes. */
const nodeLocal: ReadonlySet<EventName> = new Set<EventName>(['cluster.status']);

/** How a node's events reach the other nodes of a cluster (see cluster/redis-bridge.ts). */
export interface EventTransport {
  /** Hands an event to the other nodes; must not throw nor wait (fire and forget). */
  publish(name: EventName, payload: unknown): void;
}

/**
 * The gateway's event bus. On one node it is an in-process emitter; in a cluster a transport
 * carries every event to the other nodes, whose `on` listeners hear it too. Listeners that do
 * work which must happen once (route a citizen's message, send the outbox) use `onLocal` and
 * hear only the events of their own node.
 */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #local = new EventEmitter({ captureRejections: false });
  #transport: EventTransport | undefined;

  constructor() {
    this.#emitter.setMaxListeners(0);
    this.#local.setMaxListeners(0);
  }

  emit<K extends EventName>(name: K, payload: GatewayEvents[K]): void {
    // Other nodes first: a listener that throws here must not keep the event from them.
    if (this.#transport && !nodeLocal.has(name)) this.#transport.publish(name, payload);
    this.#local.emit(name, payload);
    this.#emitter.emit(name, payload);
  }

  /** Hears the event whichever node emitted it. */
  on<K extends EventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  /** Hears the event only when this node emitted it: for work one node must do, once. */
  onLocal<K extends EventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.#local.on(name, listener);
    return () => this.#local.off(name, listener);
  }

  /** Sends this node's events to the other nodes from now on. */
  connect(transport: EventTransport): void {
    this.#transport = transport;
  }

  /** An event another node emitted: this node's `on` listeners hear it, nothing is sent on. */
  deliverRemote<K extends EventName>(name: K, payload: GatewayEvents[K]): void {
    this.#emitter.emit(name, payload);
  }
}
