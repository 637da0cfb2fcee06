import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Conversations } from '../../core/conversations.ts';
import type { Attachment } from '../../core/domain/types.ts';
import type { EventBus } from '../../core/events.ts';
import { quickRepliesOf } from '../shared/quick-replies.ts';
import type { ServerFrame, WireAttachment, WireMessage } from './types.ts';

/** One open widget socket. */
export interface Connection {
  socket: WebSocket;
  visitorId: string;
  /** 0 until the visitor has a conversation. */
  conversationId: number;
  /** The highest message id this socket has been sent (or had, by the widget's own word). */
  lastSentId: number;
  ip: string;
  alive: boolean;
}

type MessageRow = Awaited<ReturnType<Conversations['messages']>>[number];

/** A slow reader's unsent bytes past which its socket is dropped: it reconnects and resumes. */
const maxBuffered = 1024 * 1024;
const page = 100;

/** `fileUrl` gives a stored file (an agent's upload) the visitor's signed link. */
export function toWire(row: MessageRow, fileUrl?: (key: string) => string): WireMessage {
  const from = row.direction === 'in' ? 'visitor' : row.senderType === 'bot' || row.senderType === 'system' ? 'bot' : 'agent';
  const attachments = ((row.attachments as Attachment[] | null) ?? []).map((a): WireAttachment => {
    const key = typeof a.meta?.storageKey === 'string' ? a.meta.storageKey : undefined;
    const url = a.url ?? (key && fileUrl ? fileUrl(key) : undefined);
    return { kind: a.kind, ...(a.name ? { name: a.name } : {}), ...(a.mimeType ? { mimeType: a.mimeType } : {}), ...(a.size ? { size: a.size } : {}), ...(url ? { url } : {}) };
  });
  const cid = (row.metadata as { clientMessageId?: unknown } | null)?.clientMessageId;
  const choices = row.direction === 'out' ? quickRepliesOf(row) : [];
  return { id: row.id, from, text: row.text, attachments, at: row.createdAt.toISOString(), ...(typeof cid === 'string' ? { cid } : {}), ...(choices.length ? { choices } : {}) };
}

/** What the visitor may see: their messages and the hotline's answers, not a failed send, nor
 * one emptied by an erasure or the retention period (nothing is left of it to show). */
const visible = (row: MessageRow) =>
  (row.direction === 'in' || (row.direction === 'out' && row.status !== 'failed')) && (row.text !== null || Boolean((row.attachments as unknown[] | null)?.length));

/**
 * The live side of the widget. Every socket of a conversation is brought up to date from the
 * store, in id order, whenever that conversation changes: a new socket (replay after its last
 * id) and a new message (live) take the same path, one pass at a time per conversation, so a
 * message is never skipped nor sent twice to a socket, whatever arrives during a replay.
 */
export function createHub(deps: { conversations: Conversations; events: EventBus; logger: FastifyBaseLogger; heartbeatMs: number; fileUrl?: (key: string) => string }) {
  const { conversations, logger } = deps;
  const byConversation = new Map<number, Set<Connection>>();
  const byVisitor = new Map<string, Set<Connection>>();
  const running = new Map<number, Promise<void>>();
  const dirty = new Set<number>();
  const all = new Set<Connection>();

  function send(conn: Connection, frame: ServerFrame): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    if (conn.socket.bufferedAmount > maxBuffered) {
      conn.socket.terminate();
      return;
    }
    conn.socket.send(JSON.stringify(frame));
  }

  const add = <K>(map: Map<K, Set<Connection>>, key: K, conn: Connection) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(conn);
  };
  const remove = <K>(map: Map<K, Set<Connection>>, key: K, conn: Connection) => {
    const set = map.get(key);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) map.delete(key);
  };

  async function deliver(conversationId: number): Promise<void> {
    for (;;) {
      const conns = [...(byConversation.get(conversationId) ?? [])];
      if (conns.length === 0) return;
      const after = Math.min(...conns.map((conn) => conn.lastSentId));
      const rows = await conversations.messages(conversationId, { afterId: after, limit: page, citizenView: true });
      for (const conn of conns) {
        if (conn.conversationId !== conversationId) continue;
        for (const row of rows) {
          if (row.id <= conn.lastSentId) continue;
          if (visible(row)) send(conn, { t: 'msg', m: toWire(row, deps.fileUrl) });
          conn.lastSentId = row.id;
        }
      }
      if (rows.length < page) return;
    }
  }

  /** Brings every socket of a conversation up to date, now or right after the pass running. */
  function kick(conversationId: number): void {
    if (!byConversation.has(conversationId)) return;
    if (running.has(conversationId)) {
      dirty.add(conversationId);
      return;
    }
    const pass = (async () => {
      do {
        dirty.delete(conversationId);
        await deliver(conversationId);
      } while (dirty.has(conversationId));
    })()
      .catch((error: unknown) => logger.error({ err: error, conversationId }, 'live chat fan-out failed'))
      .finally(() => running.delete(conversationId));
    running.set(conversationId, pass);
  }

  const unsubscribe = [
    deps.events.on('message.created', (event) => kick(event.conversationId)),
    // A status change shows nothing new to a socket already past the message: no store read then
    // (every reply is updated at least once, when sent, on whichever node sent it).
    deps.events.on('message.updated', (event) => {
      if ([...(byConversation.get(event.conversationId) ?? [])].some((conn) => conn.lastSentId < event.messageId)) kick(event.conversationId);
    }),
    // An agent typing in the inbox shows in the visitor's widget (it hides itself after a while).
    deps.events.on('conversation.typing', (event) => {
      if (event.by !== 'agent') return;
      for (const conn of byConversation.get(event.conversationId) ?? []) send(conn, { t: 'typing', on: true });
    }),
    // Back in the cluster after Redis was down: messages stored through other nodes meanwhile
    // were never announced here. Every socket catches up from the store.
    deps.events.on('cluster.status', (event) => {
      if (event.state === 'connected') for (const conversationId of [...byConversation.keys()]) kick(conversationId);
    }),
  ];

  // One timer for every socket (thousands of per-socket timers cost more than one sweep).
  const heartbeat = setInterval(() => {
    for (const conn of all) {
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.socket.readyState === conn.socket.OPEN) conn.socket.ping();
    }
  }, deps.heartbeatMs);
  heartbeat.unref();

  return {
    send,
    kick,
    /** Registers a socket; it is replayed everything after its `lastSentId`. */
    attach(conn: Connection): void {
      all.add(conn);
      add(byVisitor, conn.visitorId, conn);
      conn.socket.on('pong', () => {
        conn.alive = true;
      });
      if (conn.conversationId) {
        add(byConversation, conn.conversationId, conn);
        kick(conn.conversationId);
      }
    },
    detach(conn: Connection): void {
      all.delete(conn);
      remove(byVisitor, conn.visitorId, conn);
      if (conn.conversationId) remove(byConversation, conn.conversationId, conn);
    },
    /** Every socket of a visitor follows their new conversation from its start. */
    moveVisitor(visitorId: string, conversationId: number, frame: (conn: Connection) => ServerFrame): void {
      for (const conn of [...(byVisitor.get(visitorId) ?? [])]) {
        if (conn.conversationId === conversationId) continue;
        if (conn.conversationId) remove(byConversation, conn.conversationId, conn);
        conn.conversationId = conversationId;
        conn.lastSentId = 0;
        add(byConversation, conversationId, conn);
        send(conn, frame(conn));
      }
      kick(conversationId);
    },
    /** The other sockets of the same visitor (their other tabs). */
    visitorSockets: (visitorId: string): Connection[] => [...(byVisitor.get(visitorId) ?? [])],
    conversationSockets: (conversationId: number): Connection[] => [...(byConversation.get(conversationId) ?? [])],
    get size(): number {
      return all.size;
    },
    /** Resolves when no fan-out pass is running (tests, shutdown). */
    async settled(): Promise<void> {
      while (running.size) await Promise.all(running.values());
    },
    close(): void {
      clearInterval(heartbeat);
      for (const off of unsubscribe) off();
      for (const conn of all) conn.socket.close(1001, 'server shutting down');
    },
  };
}

export type Hub = ReturnType<typeof createHub>;
