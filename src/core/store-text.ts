/**
 * Text that both databases store alike. PostgreSQL refuses NUL in text and jsonb and a lone
 * UTF-16 surrogate cannot be encoded in UTF-8, while SQLite takes both: the same input must get
 * the same answer on either store. Request bodies are refused at the edge (`isStorableText`);
 * signed platform payloads, which must not be lost, are cleaned (`storableDeep`).
 */

// Lone surrogates: a high one not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const nul = new RegExp(String.fromCharCode(0), 'g');

/** True when the string can be stored as it is on both databases. */
export function isStorableText(value: string): boolean {
  loneSurrogate.lastIndex = 0;
  return !value.includes('\u0000') && !loneSurrogate.test(value);
}

/** NUL dropped, lone surrogates replaced by U+FFFD, as a UTF-8 decoder would. */
export function storableText(value: string): string {
  if (isStorableText(value)) return value;
  return value.replace(nul, '').replace(loneSurrogate, '\uFFFD');
}

/** The first path in a JSON value holding text that cannot be stored (keys included), or null. */
export function unstorablePath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path || '/';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorablePath(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return `${path}/${storableText(key)}`;
      const found = unstorablePath(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** A copy of a JSON value whose strings (and keys) are all storable; the value itself when they are. */
export function storableDeep<T>(value: T): T {
  if (unstorablePath(value) === null) return value;
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), clean(item)]));
  }
  return value;
}
