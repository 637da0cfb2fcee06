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
  };
  'inbox.status': { inboxId: number; status: 'active' | 'needs_reconnect' | 'disabled'; detail: string | null };
}

export type EventName = keyof GatewayEvents;

/**
 * In-process event bus: listeners on this node hear what this node emitted, after its commit.
 * Nothing carries events to other nodes (README, Production).
 */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends EventName>(name: K, payload: GatewayEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  on<K extends EventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }
}
