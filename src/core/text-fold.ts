import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Dialect } from './store/store.ts';

/**
 * Folds text for accent-insensitive search: "Nguyễn Văn A" and "nguyen van a" fold alike, and
 * "đăng ký" becomes "dang ky" (đ does not decompose, so it is mapped by hand). Lowercase, NFD,
 * combining marks dropped.
 */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

const recentlyFolded = new Map<string, string>();
/**
 * foldText for a message's text, remembered for the next few hundred messages: several checks
 * of one inbound message (care's opt-out and dossier checks) fold the same text in turn.
 */
export function foldMessageText(text: string): string {
  let folded = recentlyFolded.get(text);
  if (folded === undefined) {
    folded = foldText(text);
    if (recentlyFolded.size >= 256) recentlyFolded.delete(recentlyFolded.keys().next().value!);
    recentlyFolded.set(text, folded);
  }
  return folded;
}

/** The name of the SQL function the SQLite connection registers (see store.ts). */
export const sqliteFoldFunction = 'gw_fold';

// PostgreSQL has no NFD without the unaccent extension (not always installable on a managed
// server), and lower() follows the database's locale, which may be C. translate() with an
// explicit table does not depend on either: every precomposed Latin letter (Vietnamese uses
// 134 of them) and A-Z map to their plain lowercase letter, and combining marks, for text
// that arrives decomposed, are listed past the end of `to`, which makes translate() drop them.
const pgTable = (() => {
  let from = '';
  let to = '';
  const ranges: Array<[number, number]> = [
    [0x41, 0x5a],
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ];
  for (const [start, end] of ranges) {
    for (let code = start; code <= end; code++) {
      const char = String.fromCodePoint(code);
      const folded = foldText(char);
      if (folded !== char && /^[a-z]$/.test(folded)) {
        from += char;
        to += folded;
      }
    }
  }
  for (let code = 0x300; code <= 0x36f; code++) from += String.fromCodePoint(code);
  return { from, to };
})();

/** `column` folded inside SQL the way foldText folds in JavaScript, on either dialect. */
export function foldedSql(dialect: Dialect, value: SQLWrapper | SQL): SQL {
  if (dialect === 'sqlite') return sql`${sql.raw(sqliteFoldFunction)}(${value})`;
  return sql`translate(${value}, ${pgTable.from}, ${pgTable.to})`;
}

/** A LIKE pattern that finds `text` anywhere, with LIKE's own wildcards escaped (escape '\'). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `folded(value) LIKE %query%` for an already folded query; null values never match. */
export function foldedContains(dialect: Dialect, value: SQLWrapper | SQL, foldedQuery: string): SQL {
  return sql`${foldedSql(dialect, value)} like ${containsPattern(foldedQuery)} escape '\\'`;
}
