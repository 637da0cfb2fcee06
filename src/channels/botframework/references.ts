import type { InboxState } from '../channel-adapter.ts';
import type { StoredReference } from './types.ts';

/** Lookups kept in memory, newest last; older ones are read again from the inbox state. */
const cacheLimit = 5_000;
/** "Not this inbox's conversation" is remembered this long (another node may open it later). */
const unknownForMs = 60_000;

/**
 * Where the bot answers each person, in the inbox's durable state: the SDK's conversation
 * reference of their last activity (service URL, conversation, the activity to reply to), and
 * which gateway conversation is theirs (agents' typing names only the conversation).
 */
export function createReferences(state: InboxState, now: () => number = Date.now) {
  const people = new Map<number, { person: string | null; at: number }>();
  const linked = new Map<string, number>();
  const bounded = <K, V>(map: Map<K, V>, key: K, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > cacheLimit) map.delete(map.keys().next().value!);
  };

  return {
    async remember(person: string, reference: StoredReference): Promise<void> {
      await state.set(`ref.${person}`, JSON.stringify(reference));
    },

    async reference(person: string): Promise<StoredReference | null> {
      const stored = await state.get(`ref.${person}`);
      return stored ? (JSON.parse(stored) as StoredReference) : null;
    },

    /** Records that `person` writes in `conversationId` (once per pair and process). */
    async link(person: string, conversationId: number): Promise<void> {
      if (linked.get(person) === conversationId) return;
      await state.set(`conversation.${conversationId}`, person);
      await state.set(`person.${person}`, String(conversationId));
      bounded(linked, person, conversationId);
      bounded(people, conversationId, { person, at: now() });
    },

    /** The person of a gateway conversation, or null when it is not this inbox's. */
    async personOf(conversationId: number): Promise<string | null> {
      const cached = people.get(conversationId);
      if (cached && (cached.person !== null || now() - cached.at < unknownForMs)) return cached.person;
      const person = await state.get(`conversation.${conversationId}`);
      bounded(people, conversationId, { person, at: now() });
      return person;
    },

    /** The gateway conversation a person last wrote in, or null. */
    async conversationOf(person: string): Promise<number | null> {
      const cached = linked.get(person);
      if (cached !== undefined) return cached;
      const stored = await state.get(`person.${person}`);
      return stored ? Number(stored) : null;
    },
  };
}

export type References = ReturnType<typeof createReferences>;
