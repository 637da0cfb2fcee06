import type { FastifyBaseLogger } from 'fastify';
import { ImapFlow } from 'imapflow';
import type { InboxState, InboxStatus } from '../channel-adapter.ts';
import type { EmailSettings } from './config.ts';
import type { FetchedMail, MailboxCursor } from './types.ts';

export interface MailboxReaderOptions {
  settings: EmailSettings;
  state: InboxState;
  logger: FastifyBaseLogger;
  /** Stores one batch of mails; resolves only after they are committed. */
  store(mails: FetchedMail[]): Promise<void>;
  report(status: InboxStatus, detail?: string): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Reads one IMAP mailbox: IDLE for new mail with a polling sweep besides it, a durable cursor
 * (uidValidity, last uid) advanced only after the mails up to it are committed, reconnection
 * with backoff. Nothing depends on \Seen: another client reading the mail first changes nothing.
 * A crash between the commit and the cursor write fetches a few mails again; the store drops
 * them by Message-ID.
 */
export function createMailboxReader(options: MailboxReaderOptions) {
  const { settings, state, logger } = options;
  const cursorKey = `imap.cursor.${settings.imap.user}@${settings.imap.host}:${settings.imap.port}/${settings.mailbox}`;
  const stop = new AbortController();
  let client: ImapFlow | undefined;
  /** The connection being opened: a shutdown closes it rather than wait out its timeouts. */
  let connecting: ImapFlow | undefined;
  let syncing: Promise<void> | undefined;
  let again = false;
  let running: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const imapLogger = {
    debug: (obj: object) => logger.trace(obj, 'imap'),
    info: (obj: object) => logger.debug(obj, 'imap'),
    warn: (obj: object) => logger.warn(obj, 'imap'),
    error: (obj: object) => logger.error(obj, 'imap'),
  };

  async function readCursor(): Promise<MailboxCursor | null> {
    const value = await state.get(cursorKey);
    if (!value) return null;
    try {
      const parsed = JSON.parse(value) as MailboxCursor;
      return typeof parsed.uidValidity === 'string' && Number.isInteger(parsed.lastUid) ? parsed : null;
    } catch {
      return null;
    }
  }

  /** Moves the cursor forward (never back within one uidValidity, so two nodes reading the same
   * mailbox cannot undo each other's progress); the history line of the uidValidity is kept. */
  async function advance(uidValidity: string, lastUid: number, historyUpTo?: number): Promise<void> {
    await state.update(cursorKey, (current) => {
      const cursor = current ? (JSON.parse(current) as MailboxCursor) : null;
      if (cursor && cursor.uidValidity === uidValidity && cursor.lastUid >= lastUid) return null;
      const line = historyUpTo ?? (cursor?.uidValidity === uidValidity ? cursor.historyUpTo : undefined);
      return JSON.stringify({ uidValidity, lastUid, ...(line !== undefined ? { historyUpTo: line } : {}) } satisfies MailboxCursor);
    });
  }

  /** Whether a mail is history: there before the gateway first read this mailbox (numbering), or
   * received longer ago than the configured age. */
  function isHistory(uid: number, internalDate: Date | null, historyUpTo: number | undefined): boolean {
    if (historyUpTo !== undefined && uid <= historyUpTo) return true;
    const days = settings.historyOlderThanDays;
    return days !== null && internalDate !== null && Date.now() - internalDate.getTime() >= days * 86_400_000;
  }

  /** One mail's bytes: the whole source, or its header only when it is over the size limit. */
  async function fetchMail(imap: ImapFlow, head: { uid: number; size?: number; internalDate?: Date | string }, uidValidity: string, historyUpTo: number | undefined): Promise<FetchedMail | null> {
    const size = head.size ?? 0;
    const truncated = size > settings.maxMessageBytes;
    const body = await imap.fetchOne(String(head.uid), truncated ? { uid: true, headers: true } : { uid: true, source: true }, { uid: true });
    const source = body ? (truncated ? body.headers : body.source) : undefined;
    if (!source) return null;
    const parsedDate = head.internalDate ? new Date(head.internalDate) : null;
    const internalDate = parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate : null;
    return {
      uid: head.uid,
      uidValidity,
      mailbox: settings.mailbox,
      internalDate,
      size,
      source,
      truncated,
      history: isHistory(head.uid, internalDate, historyUpTo),
    };
  }

  /** Fetches and stores everything after the cursor, batch by batch. */
  async function sync(imap: ImapFlow): Promise<void> {
    const mailbox = imap.mailbox;
    if (!mailbox) return;
    const uidValidity = String(mailbox.uidValidity);
    let cursor = await readCursor();
    // What the mailbox holds when the gateway first reads it (or reads it again after the server
    // renumbered it) is its history: years of citizens' mail must not all be answered today.
    const lastExisting = Math.max(0, mailbox.uidNext - 1);
    if (!cursor) {
      cursor = settings.importExisting ? { uidValidity, lastUid: 0, historyUpTo: lastExisting } : { uidValidity, lastUid: lastExisting };
      await advance(cursor.uidValidity, cursor.lastUid, cursor.historyUpTo);
    } else if (cursor.uidValidity !== uidValidity) {
      logger.warn({ mailbox: settings.mailbox, was: cursor.uidValidity, now: uidValidity }, 'mailbox UIDVALIDITY changed: reading it again as history, known mails are dropped by Message-ID');
      cursor = { uidValidity, lastUid: 0, historyUpTo: lastExisting };
      await advance(cursor.uidValidity, cursor.lastUid, cursor.historyUpTo);
    }
    let lastUid = cursor.lastUid;
    const historyUpTo = cursor.historyUpTo;

    for (;;) {
      if (stop.signal.aborted) return;
      // "N:*" always names the highest uid, even an old one: keep only what is really new.
      const found = await imap.search({ uid: `${lastUid + 1}:*` }, { uid: true });
      const uids = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
      if (uids.length === 0) return;
      for (let i = 0; i < uids.length; i += settings.batchSize) {
        const batch: FetchedMail[] = [];
        // Sizes and arrival times of the batch in one command; then each mail's bytes, one at a
        // time, so memory holds one big mail, not a batch of them.
        const heads = await imap.fetchAll(uids.slice(i, i + settings.batchSize).join(','), { uid: true, size: true, internalDate: true }, { uid: true });
        for (const head of heads.filter((h) => h.uid > lastUid).sort((a, b) => a.uid - b.uid)) {
          if (stop.signal.aborted) return;
          const mail = await fetchMail(imap, head, uidValidity, historyUpTo);
          if (mail) batch.push(mail);
        }
        if (batch.length) await options.store(batch);
        const batchLast = uids[Math.min(i + settings.batchSize, uids.length) - 1]!;
        await advance(uidValidity, batchLast);
        lastUid = batchLast;
      }
    }
  }

  /** Runs a sync now, or once more after the running one (events during a sync are not lost). */
  function schedule(): void {
    if (stop.signal.aborted || !client) return;
    if (syncing) {
      again = true;
      return;
    }
    const imap = client;
    syncing = (async () => {
      do {
        again = false;
        try {
          await sync(imap);
          if (failures > 0) await options.report('active');
          failures = 0;
        } catch (error) {
          failures++;
          logger.warn({ err: error, failures }, 'reading the mailbox failed; it is tried again');
          // Mails are kept on the server until stored: a failure that persists needs a person.
          if (failures === 5) await options.report('needs_reconnect', `IMAP: ${(error as Error).message}`).catch(() => undefined);
          if (!imap.usable) return;
          await sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), stop.signal);
          again = true;
        }
      } while (again && !stop.signal.aborted && imap.usable);
    })().finally(() => {
      syncing = undefined;
    });
  }

  async function connectOnce(): Promise<void> {
    const imap = new ImapFlow({
      host: settings.imap.host,
      port: settings.imap.port,
      secure: settings.imap.secure,
      auth: { user: settings.imap.user, pass: settings.imap.password },
      tls: { rejectUnauthorized: settings.imap.rejectUnauthorized },
      logger: imapLogger,
      autoIdleDelay: settings.idleDelayMs,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      clientInfo: { name: '1022-gateway' },
    });
    const closed = new Promise<void>((resolve) => imap.once('close', () => resolve()));
    // imapflow emits at most one error per connection and closes after it.
    imap.on('error', (error: Error) => logger.warn({ err: error }, 'IMAP connection error'));
    connecting = imap;
    try {
      await imap.connect();
      await imap.mailboxOpen(settings.mailbox);
    } catch (error) {
      await imap.logout().catch(() => undefined);
      throw error;
    } finally {
      connecting = undefined;
    }
    if (stop.signal.aborted) {
      await imap.logout().catch(() => imap.close());
      return;
    }
    client = imap;
    await options.report('active');
    imap.on('exists', () => schedule());
    imap.on('mailboxOpen', () => schedule());
    schedule();
    await closed;
    client = undefined;
  }

  async function run(): Promise<void> {
    let attempt = 0;
    while (!stop.signal.aborted) {
      const started = Date.now();
      try {
        await connectOnce();
      } catch (error) {
        const failed = error as Error & { authenticationFailed?: boolean; code?: string };
        if (failed.authenticationFailed) await options.report('needs_reconnect', `IMAP login refused for ${settings.imap.user}`).catch(() => undefined);
        else if (attempt >= 3) await options.report('needs_reconnect', `IMAP: ${failed.message}`).catch(() => undefined);
        logger.warn({ err: error, attempt }, 'IMAP connection failed');
      }
      await syncing;
      if (stop.signal.aborted) return;
      // A connection that lived a while starts the backoff afresh.
      attempt = Date.now() - started > 60_000 ? 0 : attempt + 1;
      await sleep(Math.min(60_000, 500 * 2 ** Math.min(attempt, 7)), stop.signal);
    }
  }

  return {
    start(): void {
      running = run();
      pollTimer = setInterval(schedule, settings.pollIntervalMs);
      pollTimer.unref();
    },
    async close(): Promise<void> {
      stop.abort();
      clearInterval(pollTimer);
      connecting?.close();
      // A batch being stored finishes (its cursor too) before the connection goes.
      await Promise.race([syncing, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await client?.logout().catch(() => client?.close());
      await running;
    },
  };
}
