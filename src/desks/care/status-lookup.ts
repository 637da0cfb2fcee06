// "Hồ sơ <mã> đến đâu rồi?": a dossier code in a citizen's message gets the dossier's status, due
// date and desk. Personal details (applicant, procedure) only go to the applicant themselves.
import { eq } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import { t, type Locale } from '../../core/i18n/index.ts';
import type { Store } from '../../core/store/store.ts';
import { foldMessageText } from '../../core/text-fold.ts';

/** What a source knows of a dossier. */
export interface DossierStatus {
  code: string;
  status: string | null;
  dueAt: Date | null;
  finishedAt: Date | null;
  desk: string | null;
  procedure: string | null;
  applicantName: string | null;
  /** Normalized (84...), to compare with the asker's. */
  applicantPhone: string | null;
  applicantEmail: string | null;
}

/**
 * Where dossier statuses come from. The default reads the imported table; a deployment whose
 * one-stop system has an API implements this to ask it live instead.
 */
export interface DossierStatusSource {
  /** A short name for the audit log ("table", "dvc-api"). */
  readonly name: string;
  /** The dossier with this code, or null when the source does not know it. Throws when the
   * source cannot be reached (the citizen is then told to try later). */
  find(code: string): Promise<DossierStatus | null>;
}

/** The imported dossiers table as a source. */
export function tableStatusSource(store: Store): DossierStatusSource {
  const { t: tables, db } = store;
  return {
    name: 'table',
    async find(code) {
      const d = tables.dossiers;
      const [row] = await db
        .select({ code: d.code, status: d.status, dueAt: d.dueAt, finishedAt: d.finishedAt, desk: d.desk, procedure: d.procedure, applicantName: d.applicantName, applicantPhone: d.applicantPhone, applicantEmail: d.applicantEmail })
        .from(d)
        .where(eq(d.code, code))
        .limit(1);
      return row ?? null;
    },
  };
}

/**
 * A one-stop system's API as a source: GET the URL with `{code}` replaced, expecting 404 for an
 * unknown dossier and otherwise JSON in the DossierStatus shape (times as ISO 8601). A system
 * that answers in its own shape gets an adapter of its own implementing DossierStatusSource.
 */
export function httpStatusSource(urlTemplate: string, fetchImpl: typeof fetch = fetch): DossierStatusSource {
  const time = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    name: 'http',
    async find(code) {
      const response = await fetchImpl(urlTemplate.replace('{code}', encodeURIComponent(code)), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`dossier API answered ${response.status}`);
      const body = (await response.json()) as Record<string, unknown>;
      return {
        code: str(body.code) ?? code,
        status: str(body.status),
        dueAt: time(body.dueAt),
        finishedAt: time(body.finishedAt),
        desk: str(body.desk),
        procedure: str(body.procedure),
        applicantName: str(body.applicantName),
        applicantPhone: str(body.applicantPhone),
        applicantEmail: str(body.applicantEmail)?.toLowerCase() ?? null,
      };
    },
  };
}

/** The dossier code in a message: the webform's own field first, then the configured pattern. */
export function dossierCodeIn(text: string | null, metadata: unknown, pattern: RegExp): string | null {
  const field = (metadata as { dossierCode?: unknown } | null)?.dossierCode;
  if (typeof field === 'string' && field.trim()) return field.trim().toUpperCase();
  if (!text) return null;
  const match = pattern.exec(text);
  return match ? (match[1] ?? match[0]).toUpperCase() : null;
}

/** Whether the message is about a dossier at all (so an unknown code is answered, not guessed at). */
export const mentionsDossier = (text: string | null) => /\b(ho so|hs|ma so|dossier)\b/.test(foldMessageText(text ?? ''));

export interface Asker {
  phone: string | null;
  email: string | null;
}

/** The asker is the applicant when their number or email is the one on the dossier. */
export function isApplicant(dossier: Pick<DossierStatus, 'applicantPhone' | 'applicantEmail'>, asker: Asker | null): boolean {
  if (!asker) return false;
  if (asker.phone && dossier.applicantPhone && asker.phone === dossier.applicantPhone) return true;
  return Boolean(asker.email && dossier.applicantEmail && asker.email.toLowerCase() === dossier.applicantEmail.toLowerCase());
}

/** The answer's text. Pure: what anyone may know, plus the personal part for the applicant. */
export function statusReply(code: string, dossier: DossierStatus | null, asker: Asker | null, locale: Locale, timeZone: string): string {
  if (!dossier) return t(locale, 'care.status.notFound', { code });
  const day = (d: Date | null) => (d ? new Intl.DateTimeFormat('vi-VN', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(d) : t(locale, 'care.status.unknown'));
  const lines = [
    t(locale, 'care.status.found', { code: dossier.code, status: dossier.status ?? t(locale, 'care.status.unknown'), due: day(dossier.dueAt), desk: dossier.desk ?? t(locale, 'care.status.unknown') }),
  ];
  if (dossier.finishedAt) lines.push(t(locale, 'care.status.finished', { date: day(dossier.finishedAt) }));
  if (isApplicant(dossier, asker)) lines.push(t(locale, 'care.status.owner', { name: dossier.applicantName ?? '', procedure: dossier.procedure ?? t(locale, 'care.status.unknown') }));
  else lines.push(t(locale, 'care.status.private'));
  return lines.join('\n');
}

/**
 * The lookup as the router uses it: the code in a message, the dossier from the source, the asker
 * from the conversation's contact, and each lookup written to the audit log (personal data read).
 */
export function createStatusLookup(deps: { store: Store; source: DossierStatusSource; pattern: string; locale: Locale; timeZone: string }) {
  const { store } = deps;
  const { t: tables, db } = store;
  const pattern = new RegExp(deps.pattern, 'iu');

  async function askerOf(contactId: number): Promise<Asker | null> {
    const [row] = await db.select({ phone: tables.contacts.phone, email: tables.contacts.email }).from(tables.contacts).where(eq(tables.contacts.id, contactId)).limit(1);
    return row ?? null;
  }

  return {
    /**
     * The reply to a message with a dossier code, or null when the message is not a status
     * question (a code-like word the source does not know, in a message that does not speak of
     * a dossier, is left to the router).
     */
    async reply(message: { text: string | null; metadata: unknown; contactId: number }): Promise<string | null> {
      // The web form's dossier-code field names the dossier a question is about; it is a status
      // question only when the text asks about the dossier. Otherwise the question (how to
      // register a birth...) goes on to the router with the code kept for the agent.
      const aboutDossier = mentionsDossier(message.text);
      const code = dossierCodeIn(message.text, null, pattern) ?? (aboutDossier ? dossierCodeIn(null, message.metadata, pattern) : null);
      if (!code) return null;
      let dossier: DossierStatus | null;
      try {
        dossier = await deps.source.find(code);
      } catch {
        return aboutDossier ? t(deps.locale, 'care.status.unavailable') : null;
      }
      if (!dossier && !aboutDossier) return null;
      const asker = await askerOf(message.contactId);
      const owner = dossier ? isApplicant(dossier, asker) : false;
      await store.tx((tx) => appendAudit(store, tx, { actor: `contact:${message.contactId}`, action: 'dossier.status', subjectType: 'dossier', subjectId: code, detail: { source: deps.source.name, found: dossier !== null, applicant: owner } }));
      return statusReply(code, dossier, asker, deps.locale, deps.timeZone);
    },
  };
}

export type StatusLookup = ReturnType<typeof createStatusLookup>;
