import { Redis, type RedisOptions } from 'ioredis';
import type { EventBus, EventName, EventTransport, GatewayEvents } from '../events.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisBridgeOptions {
  url: string;
  /** Put before every key and channel, so several deployments (or tests) share one Redis. */
  prefix: string;
  /** This process's name in the cluster: a node skips the events it published itself. */
  nodeId: string;
  events: EventBus;
  logger: Logger;
}

/** One event on the wire: the node that emitted it, its name and its payload. */
interface Envelope {
  n: string;
  e: EventName;
  p: unknown;
}

// Payloads carry Dates (deadlines); JSON alone would hand the other nodes strings.
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? { $date: raw.getTime() } : value;
}
const reviver = (_key: string, value: unknown): unknown =>
  value !== null && typeof value === 'object' && typeof (value as { $date?: unknown }).$date === 'number' && Object.keys(value).length === 1
    ? new Date((value as { $date: number }).$date)
    : value;

/** Reconnect quickly at first, then every 2 s, for ever: Redis coming back must be noticed. */
const retryStrategy = (times: number) => Math.min(times * 100, 2000);

/**
 * Carries the event bus between the nodes of a cluster over Redis pub/sub. One channel for all
 * events: one publishing connection per node and one subscriber keep each node's events in the
 * order it emitted them, so the events of a conversation arrive in order everywhere. Publishing
 * never waits (auto-pipelined, no offline queue): with Redis down a node goes on alone, says
 * `cluster.status: degraded` to its own listeners, and `connected` when Redis is back, so the
 * listeners re-read from the store what they may have missed.
 */
export function createRedisBridge(options: RedisBridgeOptions) {
  const { events, logger, nodeId } = options;
  const channel = `${options.prefix}events`;
  const common: RedisOptions = { retryStrategy, connectTimeout: 2000 };
  /** Publishes events and serves the shared counters (rate limits). */
  const client = new Redis(options.url, { ...common, enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true });
  let connected = false;
  let closing = false;
  let everConnected = false;
  let dropped = 0;

  const setState = (up: boolean) => {
    if (up === connected || closing) return;
    connected = up;
    if (up) logger.info({ dropped }, everConnected ? 'events flow between the nodes again' : 'events cross the nodes through Redis');
    else logger.warn({}, 'Redis is unreachable: this node goes on alone (degraded) until it is back');
    everConnected ||= up;
    events.emit('cluster.status', { state: up ? 'connected' : 'degraded' });
  };

  // Connected means both links up, with the subscription in place: then nothing is missed.
  const refresh = () => setState(client.status === 'ready' && subscriber.status === 'ready' && subscribed);
  let subscribed = false;
  for (const connection of [client, subscriber]) {
    // ioredis reports every failed reconnection as an error; the state change says enough.
    connection.on('error', () => {});
    connection.on('close', () => {
      if (connection === subscriber) subscribed = false;
      refresh();
    });
  }
  client.on('ready', refresh);
  subscriber.on('ready', () => {
    // A subscriber that reconnects subscribes again (ioredis does it before 'ready').
    subscribed = true;
    refresh();
  });

  subscriber.on('message', (_channel: string, raw: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw, reviver) as Envelope;
    } catch {
      return;
    }
    if (envelope.n === nodeId) return;
    events.deliverRemote(envelope.e, envelope.p as GatewayEvents[typeof envelope.e]);
  });

  const transport: EventTransport = {
    publish(name, payload) {
      if (client.status !== 'ready') {
        dropped++;
        return;
      }
      const envelope: Envelope = { n: nodeId, e: name, p: payload };
      client.publish(channel, JSON.stringify(envelope, replacer)).catch(() => {
        dropped++;
      });
    },
  };

  return {
    /** The connection the shared rate-limit counters use (it never queues while Redis is down). */
    client,
    get connected(): boolean {
      return connected;
    },
    /** Events this node could not hand to the others (Redis was down). */
    get dropped(): number {
      return dropped;
    },
    /** Connects and subscribes; a Redis down at boot is not fatal: the node starts degraded
     * and connects when Redis comes (`cluster.status` says so). */
    async start(): Promise<void> {
      events.connect(transport);
      const ready = (connection: Redis) => new Promise<void>((resolve) => (connection.status === 'ready' ? resolve() : connection.once('ready', () => resolve())));
      subscriber.subscribe(channel).catch(() => {});
      await Promise.race([Promise.all([ready(client), ready(subscriber)]), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    },
    async close(): Promise<void> {
      closing = true;
      client.disconnect();
      subscriber.disconnect();
    },
  };
}

export type RedisBridge = ReturnType<typeof createRedisBridge>;
