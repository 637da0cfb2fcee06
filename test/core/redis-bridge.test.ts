import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisBridge, type RedisBridge } from '../../src/core/cluster/redis-bridge.ts';
import { EventBus, type GatewayEvents } from '../../src/core/events.ts';
import { redisAvailable, redisBaseUrl, until } from '../cluster/nodes.ts';

const quiet = { info: () => {}, warn: () => {} };
const ready = await redisAvailable();

describe.skipIf(!ready)('the event bus between nodes (Redis)', () => {
  const bridges: RedisBridge[] = [];
  afterEach(async () => {
    for (const bridge of bridges.splice(0)) await bridge.close();
  });

  async function node(prefix: string, nodeId: string) {
    const events = new EventBus();
    const bridge = createRedisBridge({ url: redisBaseUrl, prefix, nodeId, events, logger: quiet });
    bridges.push(bridge);
    await bridge.start();
    return events;
  }

  it('delivers every event to the other nodes once, in order, with dates intact; never back to its sender', async () => {
    const prefix = `gwtest:${randomBytes(4).toString('hex')}:`;
    const [a, b] = [await node(prefix, 'a'), await node(prefix, 'b')];
    const heardOnA: number[] = [];
    const heardOnB: number[] = [];
    const deadlines: Array<GatewayEvents['ticket.deadline']> = [];
    const localOnB: number[] = [];
    a.on('message.created', (e) => heardOnA.push(e.messageId));
    b.on('message.created', (e) => heardOnB.push(e.messageId));
    b.onLocal('message.created', (e) => localOnB.push(e.messageId));
    b.on('ticket.deadline', (e) => deadlines.push(e));
    const statusOnB: string[] = [];
    b.on('cluster.status', (e) => statusOnB.push(e.state));
    // Each node says its own link state; another node's would be false news.
    a.emit('cluster.status', { state: 'degraded' });

    for (let id = 1; id <= 200; id++) a.emit('message.created', { messageId: id, conversationId: id % 7, inboxId: 1, contactId: 1, direction: 'in', conversationOpened: false });
    const deadline = new Date('2026-12-08T01:30:00.000Z');
    a.emit('ticket.deadline', { ticketId: 9, code: 'PA-1', unitId: null, level: 2, deadline, state: 'overdue' });

    await until(() => heardOnB.length === 200 && deadlines.length === 1, 'all events on B', 10_000);
    expect(heardOnB).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(deadlines[0]!.deadline).toBeInstanceOf(Date);
    expect(deadlines[0]!.deadline.getTime()).toBe(deadline.getTime());
    // The sender heard its own events once (locally), and B's work-doing listeners none of them.
    await new Promise((r) => setTimeout(r, 200));
    expect(heardOnA).toHaveLength(200);
    expect(localOnB).toEqual([]);
    expect(statusOnB).toEqual([]);
  });

  it('keeps deployments on one Redis apart by prefix', async () => {
    const [a, other] = [await node(`gwtest:${randomBytes(4).toString('hex')}:`, 'a'), await node(`gwtest:${randomBytes(4).toString('hex')}:`, 'b')];
    const heard: string[] = [];
    other.on('conversation.updated', () => heard.push('updated'));
    a.emit('conversation.updated', { conversationId: 1, status: 'open' });
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toEqual([]);
  });
});
