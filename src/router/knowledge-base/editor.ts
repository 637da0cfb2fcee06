import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { entrySchema, type KnowledgeEntry } from './schema.ts';

/** Why an edit was refused: what is wrong, field by field. */
export class EntryRejected extends Error {
  override name = 'EntryRejected';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

// Written in the order people read an entry, not the order a form sends its fields.
const order: Array<keyof KnowledgeEntry> = [
  'id', 'title', 'field', 'fieldName', 'team', 'level', 'questions', 'requires', 'keywords', 'answer', 'where', 'documents',
  'processingTime', 'fee', 'onlineUrl', 'legalBasis', 'sources', 'confidence', 'lastReviewed', 'reviewed',
  'reviewedBy', 'reviewedAt', 'reviewedAgainst', 'reviewBy',
];

/**
 * Writes one knowledge-base entry as `<id>.yaml` in the folder the router watches, so an admin's
 * edit takes effect without a redeploy. The file is replaced atomically and keeps its leading
 * comment lines (the "not confirmed" notes of whoever wrote it); `undo` puts the old file back
 * if the whole knowledge base then fails to load.
 */
export function writeEntry(dir: string, input: unknown, teams: ReadonlySet<string>): { entry: KnowledgeEntry; created: boolean; undo(): void } {
  const parsed = entrySchema.safeParse(input);
  if (!parsed.success) throw new EntryRejected(parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`));
  const entry = parsed.data;
  if (!teams.has(entry.team)) throw new EntryRejected([`team: "${entry.team}" is not a configured team`]);
  const path = join(dir, `${entry.id}.yaml`);
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : null;
  const header = (previous ?? '').split('\n').filter((line, i, lines) => line.startsWith('#') && lines.slice(0, i).every((l) => l.startsWith('#')));
  const ordered = Object.fromEntries(order.filter((key) => entry[key] !== undefined).map((key) => [key, entry[key]]));
  const body = `${header.length ? `${header.join('\n')}\n` : ''}${stringify(ordered, { lineWidth: 0 })}`;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, body, { mode: 0o644 });
  renameSync(temporary, path);
  return {
    entry,
    created: previous === null,
    undo() {
      if (previous === null) unlinkSync(path);
      else writeFileSync(path, previous);
    },
  };
}

/**
 * Adds a way of asking to an entry (a proposal a supervisor accepted) and reloads the knowledge
 * base; a question the entry already has is not added twice. If the knowledge base no longer
 * loads, the old file goes back and nothing changes.
 */
export function addQuestion(knowledge: { dir: string; matcher: { entry(id: string): KnowledgeEntry | undefined }; reload(): boolean }, entryId: string, question: string, teams: ReadonlySet<string>): void {
  const entry = knowledge.matcher.entry(entryId);
  if (!entry) throw new EntryRejected([`entry "${entryId}" does not exist`]);
  if (entry.questions.some((q) => q.trim().toLowerCase() === question.trim().toLowerCase())) return;
  const written = writeEntry(knowledge.dir, { ...entry, questions: [...entry.questions, question] }, teams);
  if (!knowledge.reload()) {
    written.undo();
    knowledge.reload();
    throw new EntryRejected(['the knowledge base does not load with this question']);
  }
}

