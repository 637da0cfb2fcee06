import { activityRecorder } from '../core/activity.ts';
import { resolve } from 'node:path';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { BusinessHours } from '../core/business-hours.ts';
import type { GatewayConfig } from '../core/config/load-config.ts';
import { projectRoot } from '../core/config/project-root.ts';
import type { EventBus } from '../core/events.ts';
import type { InboundHandler, InboundMessageView } from '../core/inbound-handlers.ts';
import { t as text, type MessageKey } from '../core/i18n/index.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Db, Store } from '../core/store/store.ts';
import { foldText } from '../core/text-fold.ts';
import { createAssigner } from './assignment/assigner.ts';
import { decideRoute, routeRules, type RouteDecision, type RouteRules } from './decide-route.ts';
import { createLiveKnowledgeBase } from './knowledge-base/live.ts';
import { localDay, reviewState } from './knowledge-base/review.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Carries out the router's decisions: for each citizen message, after it is committed (never
 * inside the webhook's request), the bot answers, asks which procedure was meant, or hands the
 * conversation to a team's queue, where the assigner gives it to an agent.
 */
export function createRouter(deps: {
  store: Store;
  events: EventBus;
  outbox: Outbox;
  config: GatewayConfig;
  businessHours: BusinessHours;
  logger: Logger;
}) {
  const { store, events, outbox, config, businessHours, logger } = deps;
  const { t } = store;
  const settings = config.file.router;
  const locale = config.file.deployment.locale;
  const tr = (key: MessageKey, params?: Record<string, string | number>) => text(locale, key, params);
  const knowledge = createLiveKnowledgeBase(resolve(projectRoot, settings.knowledgeBase), logger);
  const assigner = createAssigner({
    store,
    events,
    locale,
    logger,
    config: { policy: settings.assignment.policy, reassignAfterMs: settings.assignment.reassignAfterMinutes * 60_000, intervalMs: settings.assignment.intervalSeconds * 1000 },
  });

  let teamIds = new Map<string, number>();
  let teamKeys: ReadonlySet<string> = new Set();
  const answerable = (entryId: string, now: Date) => {
    const entry = knowledge.matcher.entry(entryId);
    return entry !== undefined && reviewState(entry, localDay(now, config.file.deployment.timezone)) === 'current';
  };
  const rules = (): RouteRules =>
    routeRules(settings, knowledge.matcher, teamKeys, (now) => businessHours.isOpen(now), settings.answerUnreviewed ? undefined : (entryId) => answerable(entryId, new Date()));

  // The reads of every routed message, prepared once (store.queries): building and compiling
  // them per message cost more than running them.
  const conversationParam = sql.placeholder('conversationId');
  const lastOutbound = (db: Db) =>
    db
      .select({ senderType: t.messages.senderType, metadata: t.messages.metadata })
      .from(t.messages)
      .where(and(eq(t.messages.conversationId, conversationParam), eq(t.messages.direction, 'out')))
      .orderBy(desc(t.messages.id))
      .limit(1)
      .prepare('router_last_outbound');
  const botSaid = (db: Db) =>
    db
      .select({ metadata: t.messages.metadata })
      .from(t.messages)
      .where(and(eq(t.messages.conversationId, conversationParam), eq(t.messages.direction, 'out'), eq(t.messages.senderType, 'bot')))
      .orderBy(desc(t.messages.id))
      .limit(20)
      .prepare('router_bot_said');
  const latestTicket = (db: Db) =>
    db
      .select({ field: t.tickets.field })
      .from(t.tickets)
      .where(eq(t.tickets.conversationId, conversationParam))
      .orderBy(desc(t.tickets.id))
      .limit(1)
      .prepare('router_latest_ticket');

  async function pendingChoices(conversationId: number): Promise<string[] | null> {
    const [last] = await store.queries(store.db, lastOutbound).execute({ conversationId });
    const choices = last?.senderType === 'bot' ? (last.metadata as { choices?: unknown } | null)?.choices : undefined;
    return Array.isArray(choices) ? (choices as string[]) : null;
  }

  /**
   * The team of what the conversation is about: the entry the bot last answered or offered, else
   * the field of its latest ticket (an entry of that field names the team); null without either.
   */
  async function topicTeam(conversationId: number): Promise<string | null> {
    const said = await store.queries(store.db, botSaid).execute({ conversationId });
    for (const { metadata } of said) {
      const m = (metadata ?? {}) as { kb?: unknown; choices?: unknown };
      const entryId = typeof m.kb === 'string' ? m.kb : Array.isArray(m.choices) && typeof m.choices[0] === 'string' ? m.choices[0] : null;
      const team = entryId ? knowledge.matcher.entry(entryId)?.team : undefined;
      if (team) return team;
    }
    const [ticket] = await store.queries(store.db, latestTicket).execute({ conversationId });
    // A ticket's field is the entries' slug ("ho-tich") or their name ("Hộ tịch").
    const slug = (value: string) => foldText(value).trim().replace(/[\s_]+/g, '-');
    const field = ticket?.field ? slug(ticket.field) : null;
    if (!field) return null;
    return knowledge.matcher.entries().find((entry) => entry.field === field || slug(entry.fieldName) === field)?.team ?? null;
  }

  async function route(row: InboundMessageView): Promise<RouteDecision> {
    const event = row.event;
    const metadata = (row.metadata ?? {}) as { suppressAutoReply?: boolean };
    const conversation = { handler: row.handler === 'human' ? ('human' as const) : ('bot' as const), pendingChoices: await pendingChoices(event.conversationId) };
    const message = { text: row.text, suppressAutoReply: metadata.suppressAutoReply === true, attachments: Array.isArray(row.attachments) ? row.attachments.length : 0 };
    const now = new Date();
    const current = rules();
    let decision = decideRoute(conversation, message, current, now);
    // The conversation's topic only picks the team of a handoff asked for by name (a person, or
    // nothing to read): its two reads are made for those alone, not for every answered message.
    if (decision.kind === 'handoff' && (decision.reason === 'person' || decision.reason === 'no_text')) {
      const topic = await topicTeam(event.conversationId);
      if (topic) decision = decideRoute({ ...conversation, topicTeam: topic }, message, current, now);
    }
    await carryOut({ conversationId: event.conversationId, inboxId: event.inboxId, contactId: row.contactId }, decision);
    return decision;
  }

  const withFooter = (body: string) => `${body}\n\n${tr('router.footer')}`;

  /** The conversation a message is answered in, as the message's event and row give it. */
  interface Target {
    conversationId: number;
    inboxId: number;
    contactId: number;
  }

  async function reply(target: Target, body: string, senderRef: string, metadata: Record<string, unknown>) {
    const { conversationId, inboxId, contactId } = target;
    try {
      await outbox.enqueueReply({ conversationId, text: body, senderType: 'bot', senderRef, metadata, known: { inboxId, contactId } });
    } catch (error) {
      // A closed platform window (or a conversation removed meanwhile) is not the router's
      // failure: the conversation is still in the store for people to see.
      logger.warn({ err: error, conversationId }, 'bot reply not queued');
    }
  }

  async function carryOut(target: Target, decision: RouteDecision): Promise<void> {
    const name = config.file.deployment.shortName;
    switch (decision.kind) {
      case 'ignore':
        return;
      case 'answer': {
        const entry = knowledge.matcher.entry(decision.entryId);
        if (!entry) return;
        return reply(target, withFooter(entry.answer.trim()), `kb:${entry.id}`, { kb: entry.id, score: decision.score, reviewed: entry.reviewed });
      }
      case 'clarify': {
        const lines = decision.choices.map((id, i) => `${i + 1}. ${knowledge.matcher.entry(id)?.title ?? id}`);
        return reply(target, withFooter([tr('router.clarify'), ...lines].join('\n')), 'kb:clarify', { choices: decision.choices, score: decision.score });
      }
      case 'greeting':
        return reply(target, withFooter(tr('router.greeting', { name })), 'bot:greeting', {});
      case 'thanks':
        return reply(target, tr('router.thanks', { name }), 'bot:thanks', {});
      case 'handoff':
        return handoff(target, decision);
    }
  }

  // A quarter of citizens' questions end here (out of scope, a person asked for): prepared once.
  // The queue position is kept if it was already waiting (a second message does not push it
  // back); set() takes placeholders at run time though its type does not say so, and the
  // one inside raw SQL is bound as the driver binds a time (store.time).
  const toQueue = (db: Db) =>
    db
      .update(t.conversations)
      .set({
        handler: 'human',
        teamId: sql.placeholder('teamId') as unknown as number,
        status: 'open',
        updatedAt: sql.placeholder('at') as unknown as Date,
        waitingSince: sql`coalesce(${t.conversations.waitingSince}, ${sql.placeholder('atRaw')})`,
      })
      .where(eq(t.conversations.id, sql.placeholder('id')))
      .prepare('router_to_queue');
  const recordActivity = activityRecorder(store);

  async function handoff(target: Target, decision: Extract<RouteDecision, { kind: 'handoff' }>) {
    const { conversationId, inboxId } = target;
    const now = new Date();
    const teamId = teamIds.get(decision.team) ?? teamIds.get(settings.defaultTeam);
    if (teamId === undefined) {
      logger.error({ team: decision.team }, 'handoff to a team that does not exist');
      return;
    }
    const teamName = config.file.teams.find((team) => team.key === decision.team)?.name ?? decision.team;
    await store.tx(async (db) => {
      await store.queries(db, toQueue).execute({ id: conversationId, teamId, at: now, atRaw: store.time(now) });
      await recordActivity(db, {
        conversationId,
        inboxId,
        by: 'router',
        text: tr('router.handoff.activity', { team: teamName, reason: tr(`router.reason.${decision.reason}` as MessageKey) }),
        // What the bot considered and why, for the operator (who may send one of them).
        metadata: {
          handoff: decision.reason,
          team: decision.team,
          candidates: decision.match?.candidates.slice(0, 5) ?? [],
          terms: decision.match?.terms ?? [],
          ...(decision.suggested?.length ? { suggested: decision.suggested } : {}),
        },
        at: now,
      });
    });
    events.emit('conversation.handoff', { conversationId, teamId, reason: decision.reason });
    const when = businessHours.nextOpening(now);
    const notice = decision.withinHours || !when ? tr('router.handoff.open') : tr('router.handoff.closed', { when: formatWhen(when) });
    await reply(target, notice, 'bot:handoff', { handoff: decision.reason });
  }

  // Built once: a formatter costs far more to make than to use, and every handoff out of hours uses it.
  const whenFormat = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: config.file.deployment.timezone,
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'long',
    day: '2-digit',
    month: '2-digit',
  });
  const formatWhen = (when: Date): string => whenFormat.format(when);

  /** The last of the inbound handlers: every citizen message no desk took is routed. */
  const handler: InboundHandler = {
    name: 'router',
    async take(message) {
      await route(message);
      return true;
    },
    settled: () => assigner.settled(),
  };

  return {
    knowledge,
    assigner,
    rules,
    handler,
    async start() {
      const rows = await store.db.select({ id: t.teams.id, key: t.teams.key }).from(t.teams);
      teamIds = new Map(rows.map((row) => [row.key, row.id]));
      teamKeys = new Set(teamIds.keys());
      knowledge.watch();
      // The assigner is started by the app: on one node of a cluster, under a lease.
    },
    async stop() {
      knowledge.close();
      await assigner.stop();
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
