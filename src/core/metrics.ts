import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics, one registry per app instance (tests run several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    messagesIngested: new Counter({
      name: 'gateway_messages_ingested_total',
      help: 'Inbound messages by channel and result (stored or duplicate).',
      labelNames: ['channel', 'result'] as const,
      registers: [registry],
    }),
    outboxSends: new Counter({
      name: 'gateway_outbox_sends_total',
      help: 'Outbound send attempts by channel and outcome (sent, retry, failed).',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP request duration by route and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
