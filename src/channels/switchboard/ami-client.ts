import { connect, type Socket } from 'node:net';

/** One AMI message: its `Key: Value` lines, keys as Asterisk writes them. */
export type AmiMessage = Record<string, string>;

export type AmiState = 'connecting' | 'connected' | 'disconnected' | 'auth_failed' | 'stopped';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** First wait before reconnecting; doubles up to `maxBackoffMs`, back to the first after a login. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** An action without a response by then is failed (and the connection is suspected dead). */
  actionTimeoutMs: number;
  /** A Ping this often: a half-open TCP connection (a rebooted PBX) is noticed within one period. */
  keepAliveMs: number;
  onEvent(event: AmiMessage): void;
  onState(state: AmiState, detail?: string): void;
}

export class AmiActionError extends Error {
  constructor(
    message: string,
    readonly response?: AmiMessage,
  ) {
    super(message);
    this.name = 'AmiActionError';
  }
}

/** `Key: Value` lines of one block; a value may itself hold ': ' (keep the rest whole). */
export function parseBlock(block: string): AmiMessage {
  const message: AmiMessage = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    message[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return message;
}

/** An action as AMI reads it; CR and LF in values would start a new field, so they are refused. */
export function formatAction(fields: Array<[string, string]>): string {
  for (const [key, value] of fields) {
    if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) throw new AmiActionError(`AMI field ${key} holds a line break`);
  }
  return `${fields.map(([key, value]) => `${key}: ${value}`).join('\r\n')}\r\n\r\n`;
}

/**
 * A small Asterisk Manager Interface client over one TCP connection: banner, Login, events,
 * actions matched to their response by ActionID, a keep-alive Ping, and reconnection with
 * exponential backoff until `stop()`. It keeps no call state; the caller interprets events.
 */
export function createAmiClient(options: AmiClientOptions) {
  let socket: Socket | null = null;
  let state: AmiState = 'disconnected';
  let stopped = true;
  let backoff = options.initialBackoffMs;
  let retryTimer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let sequence = 0;
  const prefix = `gw-${process.pid}-${Date.now().toString(36)}-`;
  const pending = new Map<string, { resolve(message: AmiMessage): void; reject(error: Error): void; timer: NodeJS.Timeout }>();

  function setState(next: AmiState, detail?: string) {
    if (state === next && next !== 'auth_failed') return;
    state = next;
    options.onState(next, detail);
  }

  function failPending(reason: string) {
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      entry.reject(new AmiActionError(reason));
      pending.delete(id);
    }
  }

  function send(current: Socket, fields: Array<[string, string]>, timeoutMs = options.actionTimeoutMs): Promise<AmiMessage> {
    const actionId = `${prefix}${++sequence}`;
    const text = formatAction([...fields, ['ActionID', actionId]]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(actionId);
        reject(new AmiActionError(`AMI action ${fields[0]?.[1] ?? ''} got no response in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(actionId, { resolve, reject, timer });
      current.write(text);
    });
  }

  function scheduleReconnect() {
    if (stopped) return;
    const wait = backoff;
    backoff = Math.min(options.maxBackoffMs, backoff * 2);
    // A little jitter: several gateways (or a restarted one) do not hammer a recovering PBX at once.
    retryTimer = setTimeout(open, Math.round(wait * (0.85 + Math.random() * 0.3)));
    retryTimer.unref();
  }

  function open() {
    if (stopped) return;
    setState('connecting');
    const current = connect({ host: options.host, port: options.port });
    socket = current;
    current.setNoDelay(true);
    current.setKeepAlive(true, 30_000);
    current.setEncoding('utf8');
    let buffer = '';
    let greeted = false;
    let authFailed = false;

    current.on('data', (chunk: string) => {
      buffer += chunk;
      if (!greeted) {
        const end = buffer.indexOf('\n');
        if (end < 0) return;
        const banner = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        greeted = true;
        if (!/^Asterisk Call Manager\//.test(banner)) {
          setState('disconnected', `not an AMI server: ${banner.slice(0, 60)}`);
          current.destroy();
          return;
        }
        void login(current).catch((error: Error) => {
          authFailed = error instanceof AmiActionError && Boolean(error.response);
          setState(authFailed ? 'auth_failed' : 'disconnected', error.message);
          current.destroy();
        });
      }
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        if (!block.trim()) continue;
        dispatch(parseBlock(block));
      }
    });
    current.on('error', () => {
      // 'close' follows and carries the reconnect.
    });
    current.on('close', () => {
      if (socket === current) socket = null;
      clearInterval(keepAlive);
      failPending('AMI connection closed');
      if (stopped) return;
      if (!authFailed) setState('disconnected', 'connection closed');
      // Wrong credentials will not fix themselves quickly: wait the longest backoff.
      if (authFailed) backoff = options.maxBackoffMs;
      scheduleReconnect();
    });
  }

  async function login(current: Socket) {
    const response = await send(current, [
      ['Action', 'Login'],
      ['Username', options.username],
      ['Secret', options.secret],
      ['Events', 'on'],
    ]);
    if (response.Response !== 'Success') throw new AmiActionError(`AMI login refused: ${response.Message ?? 'no reason given'}`, response);
    backoff = options.initialBackoffMs;
    setState('connected');
    clearInterval(keepAlive);
    keepAlive = setInterval(() => {
      send(current, [['Action', 'Ping']]).catch(() => current.destroy());
    }, options.keepAliveMs);
    keepAlive.unref();
  }

  function dispatch(message: AmiMessage) {
    const actionId = message.ActionID;
    if (message.Response !== undefined && actionId && pending.has(actionId)) {
      const entry = pending.get(actionId)!;
      pending.delete(actionId);
      clearTimeout(entry.timer);
      entry.resolve(message);
      return;
    }
    if (message.Event !== undefined) options.onEvent(message);
  }

  return {
    get state() {
      return state;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      backoff = options.initialBackoffMs;
      open();
    },
    /** Sends an action once logged in; resolves with the response, rejects on Error or timeout. */
    async action(fields: Array<[string, string]>): Promise<AmiMessage> {
      if (!socket || state !== 'connected') throw new AmiActionError('the switchboard is not connected');
      const response = await send(socket, fields);
      if (response.Response === 'Error') throw new AmiActionError(response.Message ?? 'AMI action failed', response);
      return response;
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(keepAlive);
      const current = socket;
      if (current && state === 'connected') await send(current, [['Action', 'Logoff']], 1000).catch(() => {});
      current?.destroy();
      failPending('AMI client stopped');
      setState('stopped');
    },
  };
}

export type AmiClient = ReturnType<typeof createAmiClient>;
