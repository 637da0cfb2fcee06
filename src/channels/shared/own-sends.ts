/** What an outbound part looks like in its echo: its text, or only its kind for attachments. */
export type SentPart = { kind: 'text'; text: string } | { kind: 'image' | 'file' };

interface InFlight {
  recipient: string;
  parts: SentPart[];
}

/**
 * Recognizes the platform's echoes of the gateway's own sends. Ingest already drops an echo
 * whose id equals a stored external id, but the echo can arrive before the send's answer is
 * recorded; without this it would be stored as a reply "sent outside the gateway", and the
 * send's own id would then clash with it. Kept in memory: an echo that reaches another node in
 * that short race is not recognized (see the channel's README).
 */
export function createOwnSends(ttlMs = 10 * 60_000, now: () => number = Date.now) {
  const recent = new Map<string, number>();
  const inflight = new Set<InFlight>();

  function prune(): void {
    const at = now();
    for (const [id, until] of recent) {
      if (until > at) break;
      recent.delete(id);
    }
  }

  return {
    /** Declares parts about to be sent to `recipient`; call `done` when the send ends. */
    begin(recipient: string, parts: SentPart[]): { done(): void } {
      const entry: InFlight = { recipient, parts: [...parts] };
      inflight.add(entry);
      return { done: () => void inflight.delete(entry) };
    },
    /** Records the platform id of a part the gateway sent. */
    sent(id: string): void {
      prune();
      recent.delete(id);
      recent.set(id, now() + ttlMs);
    },
    /** True when an echo is one of ours: a recorded id, or a match with a send still in flight. */
    isOwn(echo: { id: string; recipient: string; part: SentPart }): boolean {
      prune();
      if (recent.has(echo.id)) return true;
      for (const entry of inflight) {
        if (entry.recipient !== echo.recipient) continue;
        const index = entry.parts.findIndex((part) =>
          part.kind === 'text' ? echo.part.kind === 'text' && echo.part.text.trim() === part.text.trim() : part.kind === echo.part.kind,
        );
        if (index === -1) continue;
        entry.parts.splice(index, 1);
        recent.set(echo.id, now() + ttlMs);
        return true;
      }
      return false;
    },
  };
}

export type OwnSends = ReturnType<typeof createOwnSends>;
