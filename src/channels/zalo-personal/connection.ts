import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ThreadType } from 'zca-js';
import { t, type Locale } from '../../core/i18n/index.ts';
import type { InboxState, InboxStatus } from '../channel-adapter.ts';
import type { SessionStore, StoredSession } from './session-store.ts';
import { SessionRejectedError, type Credentials, type Message, type ZaloPersonalClient, type ZaloPersonalListenerEvents, type ZaloPersonalSession } from './types.ts';

/** zca-js's ThreadType values, without loading zca-js at boot (a test holds them equal). */
export const threadTypes = { user: 0 as ThreadType.User, group: 1 as ThreadType.Group } as const;

export const listenerLeaseKey = 'zalo-personal.listener';
/** The newest message id taken in: after a gap the listener asks Zalo for what came since. */
export const cursorKey = 'zalo-personal.cursor';

/** Where the listener stands, as the inbox shows it. */
export type ListenerState =
  | { state: 'signed_out'; reason: string }
  | { state: 'connecting'; attempt: number }
  | { state: 'connected'; since: number }
  | { state: 'waiting'; attempt: number; retryAt: number; reason: string }
  | { state: 'standby' }
  | { state: 'stopped' };

export interface ConnectionOptions {
  client: ZaloPersonalClient;
  sessions: SessionStore;
  state: InboxState;
  logger: FastifyBaseLogger;
  locale: Locale;
  reconnect: { baseDelayMs: number; maxDelayMs: number };
  refusalsBeforeSignedOut: number;
  leaseMs: number;
  /** Whether group chats are followed too (catch-up asks for them as well). */
  followGroups: boolean;
  setStatus(status: InboxStatus, detail?: string): Promise<void>;
  /** Takes one message in; resolves once it is stored (or found a duplicate). */
  onMessage(message: Message): Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** The delay before reconnection attempt `attempt` (1-based): doubling, capped, jittered in the upper half. */
export function reconnectDelayMs(attempt: number, limits: { baseDelayMs: number; maxDelayMs: number }, random = Math.random): number {
  const exponential = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

/**
 * The account's connection: one signed-in session for sends on every node, and the listener on
 * the one node holding the lease (Zalo keeps one listener per account and closes the others).
 * A closed socket is reopened with a fresh sign-in after a growing wait; Zalo refusing the stored
 * session several times in a row marks the inbox "needs reconnect" and stops until an admin
 * signs in again.
 */
export function createConnection(options: ConnectionOptions) {
  const { client, sessions, state, logger, locale } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const holder = randomUUID();

  let session: { value: ZaloPersonalSession; savedAt: number } | null = null;
  let pendingLogin: Promise<ZaloPersonalSession> | undefined;
  let listening: { session: ZaloPersonalSession; detach(): void } | null = null;
  let listener: ListenerState = { state: 'stopped' };
  let attempt = 0;
  let refusals = 0;
  let timer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let stopped = true;
  let reported: string | undefined;
  /** Set while the stored session (saved at `savedAt`) is refused: nothing uses it until a new sign-in. */
  let signedOut: { reason: string; savedAt: number | null } | null = null;

  /** Reports a change of the connection once (each report alerts admins). */
  async function report(status: InboxStatus, detail?: string): Promise<void> {
    const key = `${status}|${detail ?? ''}`;
    if (reported === key) return;
    reported = key;
    await options.setStatus(status, detail).catch((error: unknown) => logger.error({ err: error }, 'could not record the inbox status'));
  }

  async function markSignedOut(reason: string): Promise<void> {
    signedOut = { reason, savedAt: await sessions.savedAt() };
    listener = { state: 'signed_out', reason };
    session = null;
    stopListening();
    await releaseLease().catch(() => undefined);
    await report('needs_reconnect', reason);
  }

  /** True while the refused session is still the stored one; a new sign-in (any node) clears it. */
  async function stillSignedOut(): Promise<boolean> {
    if (!signedOut) return false;
    if ((await sessions.savedAt()) === signedOut.savedAt) return true;
    signedOut = null;
    refusals = 0;
    attempt = 0;
    return false;
  }

  /** Signs in with the stored session (once per process until it changes). */
  async function login(): Promise<ZaloPersonalSession> {
    const savedAt = await sessions.savedAt();
    if (session && session.savedAt === savedAt) return session.value;
    if (savedAt === null) throw new SessionRejectedError(t(locale, 'zaloPersonal.status.notSignedIn'));
    pendingLogin ??= (async () => {
      let stored: StoredSession | null;
      try {
        stored = await sessions.load();
      } catch (error) {
        throw new SessionRejectedError((error as Error).message);
      }
      if (!stored) throw new SessionRejectedError(t(locale, 'zaloPersonal.status.notSignedIn'));
      const value = await client.login(stored.credentials);
      session = { value, savedAt: stored.savedAt };
      signedOut = null;
      refusals = 0;
      return value;
    })().finally(() => {
      pendingLogin = undefined;
    });
    return pendingLogin;
  }

  function stopListening(): void {
    if (!listening) return;
    const { session: current, detach } = listening;
    listening = null;
    detach();
    try {
      current.listener.stop();
    } catch {
      // Already closed.
    }
  }

  async function holdLease(): Promise<boolean> {
    const stored = await state.update(listenerLeaseKey, (raw) => {
      const current = raw ? (JSON.parse(raw) as { holder: string; until: number }) : null;
      if (current && current.holder !== holder && current.until > now()) return null;
      return JSON.stringify({ holder, until: now() + options.leaseMs });
    });
    return stored !== null && (JSON.parse(stored) as { holder: string }).holder === holder;
  }

  async function releaseLease(): Promise<void> {
    await state.update(listenerLeaseKey, (raw) => (raw && (JSON.parse(raw) as { holder: string }).holder === holder ? JSON.stringify({ holder, until: 0 }) : null));
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), delayMs);
    timer.unref();
  }

  async function retryLater(reason: string): Promise<void> {
    attempt += 1;
    const delay = reconnectDelayMs(attempt, options.reconnect, random);
    listener = { state: 'waiting', attempt, retryAt: now() + delay, reason };
    logger.warn({ attempt, delayMs: delay, reason }, 'Zalo personal listener down; reconnecting later');
    await report('active', t(locale, 'zaloPersonal.status.reconnecting', { attempt, seconds: Math.ceil(delay / 1000), reason }));
    schedule(delay);
  }

  /** Asks Zalo for what came after the last message taken in (a restart, a dropped socket). */
  async function catchUp(current: ZaloPersonalSession): Promise<void> {
    const last = await state.get(cursorKey);
    current.listener.requestOldMessages(threadTypes.user, last);
    if (options.followGroups) current.listener.requestOldMessages(threadTypes.group, last);
  }

  async function take(message: Message): Promise<void> {
    try {
      await options.onMessage(message);
      const id = String(message.data.msgId);
      // Zalo's message ids grow with time; only a newer one moves the cursor.
      await state.update(cursorKey, (current) => (current === null || BigInt(id) > BigInt(current) ? id : null));
    } catch (error) {
      // The cursor stays behind it: the next catch-up asks for this message again.
      logger.error({ err: error }, 'a Zalo personal message could not be stored');
    }
  }

  function attach(current: ZaloPersonalSession): () => void {
    const handlers: { [E in keyof ZaloPersonalListenerEvents]: (...args: ZaloPersonalListenerEvents[E]) => void } = {
      connected: () => {
        attempt = 0;
        listener = { state: 'connected', since: now() };
        logger.info('Zalo personal listener connected');
        void report('active');
        void catchUp(current).catch((error: unknown) => logger.warn({ err: error }, 'Zalo catch-up request failed'));
      },
      closed: (code, reason) => {
        if (listening?.session !== current) return;
        stopListening();
        // 3000: another Zalo Web tab took the account's listener; Zalo only keeps one.
        const why = code === 3000 ? t(locale, 'zaloPersonal.status.duplicate') : `${code}${reason ? ` ${reason}` : ''}`;
        session = null;
        void retryLater(why);
      },
      error: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Zalo personal listener error'),
      message: (message) => void take(message),
      old_messages: (messages) => {
        void (async () => {
          for (const message of messages) await take(message);
        })();
      },
    };
    for (const [event, handler] of Object.entries(handlers)) current.listener.on(event as 'message', handler as (message: Message) => void);
    return () => {
      for (const [event, handler] of Object.entries(handlers)) current.listener.off(event as 'message', handler as (message: Message) => void);
    };
  }

  async function connect(): Promise<void> {
    if (stopped || listening || (await stillSignedOut())) return;
    if (!(await holdLease())) {
      listener = { state: 'standby' };
      schedule(options.leaseMs);
      return;
    }
    listener = { state: 'connecting', attempt };
    let current: ZaloPersonalSession;
    try {
      current = await login();
    } catch (error) {
      if (stopped) return;
      if (error instanceof SessionRejectedError) {
        refusals += 1;
        const nothingStored = (await sessions.savedAt()) === null;
        if (nothingStored || refusals >= options.refusalsBeforeSignedOut) {
          logger.error({ refusals }, 'Zalo refused the stored session: the account must sign in again');
          await markSignedOut(nothingStored ? t(locale, 'zaloPersonal.status.notSignedIn') : t(locale, 'zaloPersonal.status.sessionLost', { detail: error.message }));
          return;
        }
      }
      await retryLater(error instanceof Error ? error.message : String(error));
      return;
    }
    if (stopped) return;
    listening = { session: current, detach: attach(current) };
    current.listener.start({ retryOnClose: false });
  }

  function renewLease(): void {
    clearInterval(leaseTimer);
    leaseTimer = setInterval(() => {
      void (async () => {
        if (stopped) return;
        if (signedOut) {
          // Someone signed in again (perhaps on another node): listen with the new session.
          if (!(await stillSignedOut())) await connect();
          return;
        }
        const held = await holdLease().catch(() => false);
        // Another node took over (this one was too slow to renew): it listens now.
        if (!held && listening) {
          stopListening();
          listener = { state: 'standby' };
          schedule(options.leaseMs);
        }
      })();
    }, Math.max(500, Math.floor(options.leaseMs / 3)));
    leaseTimer.unref();
  }

  return {
    /** Starts listening (or standing by for the lease). */
    async start(): Promise<void> {
      stopped = false;
      renewLease();
      await connect();
    },

    /** The session for a send; throws SessionRejectedError when the account is signed out. */
    async session(): Promise<ZaloPersonalSession> {
      if (await stillSignedOut()) throw new SessionRejectedError(signedOut!.reason);
      return login();
    },

    /** Takes over a session an admin just signed in with (QR), and listens with it. */
    async adopt(value: ZaloPersonalSession, credentials: Credentials, displayName: string | null): Promise<void> {
      const savedAt = now();
      await sessions.save({ credentials, ownId: value.ownId, displayName, savedAt });
      session = { value, savedAt };
      signedOut = null;
      refusals = 0;
      attempt = 0;
      stopListening();
      clearTimeout(timer);
      await report('active');
      if (!stopped) await connect();
    },

    /** Where the listener stands. */
    listenerState: (): ListenerState => listener,

    async close(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      clearInterval(leaseTimer);
      stopListening();
      listener = { state: 'stopped' };
      await pendingLogin?.catch(() => undefined);
      await releaseLease().catch(() => undefined);
    },
  };
}

export type Connection = ReturnType<typeof createConnection>;
