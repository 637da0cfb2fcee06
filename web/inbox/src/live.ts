// The live feed (WebSocket /api/v1/live, same origin, session cookie): events fan out to
// listeners; the socket reconnects with back-off and re-sends the agent's presence.
import type { Presence } from './api.ts';

export interface LiveEvent {
  type: string;
  conversationId?: number;
  messageId?: number;
  direction?: string;
  conversationOpened?: boolean;
  agentId?: number | null;
  teamId?: number | null;
  presence?: Presence;
  by?: 'agent' | 'contact';
  [key: string]: unknown;
}

type Listener = (event: LiveEvent) => void;

export class LiveFeed {
  #socket: WebSocket | null = null;
  #listeners = new Set<Listener>();
  #statusListeners = new Set<(connected: boolean) => void>();
  #presence: Presence;
  #closed = false;
  #retry = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(presence: Presence) {
    this.#presence = presence;
  }

  start(): void {
    this.#closed = false;
    this.#connect();
  }

  #connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#retry = 0;
      this.#send({ type: 'presence', presence: this.#presence });
      for (const listener of this.#statusListeners) listener(true);
    };
    socket.onmessage = (message) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(String(message.data)) as LiveEvent;
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(event);
    };
    socket.onclose = () => {
      // A socket replaced by stop() and start() closes late: only the current one counts.
      if (this.#socket !== socket) return;
      this.#socket = null;
      for (const listener of this.#statusListeners) listener(false);
      if (this.#closed) return;
      // Back off up to 30 s: a restarting gateway should not be flooded by every open inbox.
      const delay = Math.min(30_000, 1000 * 2 ** this.#retry++);
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
  }

  #send(payload: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(payload));
  }

  setPresence(presence: Presence): void {
    this.#presence = presence;
    this.#send({ type: 'presence', presence });
  }

  typing(conversationId: number): void {
    this.#send({ type: 'typing', conversationId });
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }
}
