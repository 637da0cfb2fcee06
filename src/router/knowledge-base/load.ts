import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { entrySchema, lexiconSchema, type KnowledgeEntry, type Lexicon } from './schema.ts';

export interface KnowledgeBase {
  entries: KnowledgeEntry[];
  lexicon: Lexicon;
}

/** A content error: names the file and what is wrong in it. */
export class KnowledgeBaseError extends Error {
  override name = 'KnowledgeBaseError';
}

const read = (path: string, problems: string[]): unknown => {
  try {
    return parseYaml(readFileSync(path, 'utf8'), { schema: 'core' });
  } catch (error) {
    problems.push(`${basename(path)}: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
};

/** Reads every `<id>.yaml` entry and `_lexicon.yaml` of a folder, validating each. */
export function loadKnowledgeBase(dir: string): KnowledgeBase {
  const problems: string[] = [];
  const entries: KnowledgeEntry[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('_')).sort();
  for (const file of files) {
    const raw = read(join(dir, file), problems);
    if (raw === undefined) continue;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    if (`${parsed.data.id}.yaml` !== file) problems.push(`${file}: id "${parsed.data.id}" does not match the file name`);
    entries.push(parsed.data);
  }
  const lexicon = lexiconSchema.safeParse(read(join(dir, '_lexicon.yaml'), problems) ?? {});
  if (!lexicon.success) problems.push(`_lexicon.yaml: ${lexicon.error.message}`);
  if (problems.length) throw new KnowledgeBaseError(`knowledge base ${dir}:\n  ${problems.join('\n  ')}`);
  return { entries, lexicon: lexicon.data! };
}
