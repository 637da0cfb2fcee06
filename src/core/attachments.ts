import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { GatewayConfig } from './config/load-config.ts';
import { projectRoot } from './config/project-root.ts';
import type { Attachment, AttachmentKind } from './domain/types.ts';
import { createFolderStorage, type FileStorage } from './file-storage.ts';

/**
 * Files citizens send (email attachments, widget uploads) kept on disk, content-addressed by the
 * SHA-256 of the bytes stored: the same file fetched twice (an IMAP resync, a retried upload) is
 * one file, and a key names nothing but content. SECURITY 11: size-limited, type-checked by the
 * bytes (never by the name or the declared type alone), image metadata (EXIF, GPS, XMP, IPTC)
 * removed before anyone sees the file.
 */

/** Types accepted unless a channel narrows them: pictures, PDF, office documents, plain text. */
export const defaultAllowedTypes: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/zip',
  'audio/mpeg',
  'audio/mp4',
  'video/mp4',
];

const zipBased = new Set([
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
]);
const oleBased = new Set(['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']);

/** Names a mail client or a browser would run or render as a page: refused whatever the bytes. */
const dangerousName = /\.(exe|com|bat|cmd|scr|pif|msi|msp|ps1|psm1|vbs|vbe|js|jse|wsf|wsh|hta|jar|lnk|reg|dll|cpl|html?|xhtml|svg|iso|img)$/i;

/** The type the bytes say, or null when they match no signature we know. */
export function sniffType(bytes: Uint8Array): string | null {
  const at = (offset: number, ...values: number[]) => values.every((value, i) => bytes[offset + i] === value);
  const ascii = (offset: number, text: string) => at(offset, ...[...text].map((c) => c.charCodeAt(0)));
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(4, 'ftyp')) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1|avif)$/.test(brand)) return 'image/heic';
    if (/^M4A /.test(brand)) return 'audio/mp4';
    return 'video/mp4';
  }
  if (ascii(0, '%PDF-')) return 'application/pdf';
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06)) return 'application/zip';
  if (at(0, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'application/x-ole-storage';
  if (ascii(0, 'ID3') || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (ascii(0, 'MZ') || at(0, 0x7f, 0x45, 0x4c, 0x46)) return 'application/x-executable';
  return null;
}

function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? sample.subarray(0, lastCharBoundary(sample)) : sample);
    return true;
  } catch {
    return false;
  }
}

/** The end of the last complete UTF-8 character in a cut sample (a sample may split one). */
function lastCharBoundary(sample: Uint8Array): number {
  const end = sample.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = sample[end - back]!;
    if ((byte & 0xc0) === 0xc0) return end - back;
    if ((byte & 0x80) === 0) break;
  }
  return end;
}

/** The type to store the file as: the bytes decide; a declared type only refines a container
 * (a .docx is a zip, a .doc an OLE file) or names text. */
export function effectiveType(bytes: Uint8Array, declared: string | undefined): string {
  const sniffed = sniffType(bytes);
  const claimed = declared?.split(';')[0]?.trim().toLowerCase();
  if (sniffed === 'application/zip') return claimed && zipBased.has(claimed) ? claimed : sniffed;
  if (sniffed === 'application/x-ole-storage') return claimed && oleBased.has(claimed) ? claimed : sniffed;
  if (sniffed) return sniffed;
  if (looksLikeText(bytes)) return claimed === 'text/csv' ? 'text/csv' : 'text/plain';
  return 'application/octet-stream';
}

export function kindOf(mimeType: string): AttachmentKind {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  return 'file';
}

/**
 * Removes EXIF (with GPS), XMP, IPTC and comments from JPEG, PNG and WebP files, keeping the
 * picture itself and its colour profile. Other types come back unchanged. An EXIF orientation tag
 * goes too: a photo taken sideways may show sideways (the price of dropping the GPS block safely
 * without rewriting EXIF).
 */
export function stripImageMetadata(bytes: Buffer, mimeType: string): Buffer {
  if (mimeType === 'image/jpeg') return stripJpeg(bytes);
  if (mimeType === 'image/png') return stripPng(bytes);
  if (mimeType === 'image/webp') return stripWebp(bytes);
  return bytes;
}

class MalformedImage extends Error {}

function stripJpeg(bytes: Buffer): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) throw new MalformedImage('jpeg: marker expected');
    // Fill bytes (0xFF repeated) may precede a marker.
    while (bytes[offset + 1] === 0xff && offset + 2 < bytes.length) offset++;
    const marker = bytes[offset + 1]!;
    const start = offset;
    if (marker === 0xd9) {
      parts.push(bytes.subarray(start, start + 2));
      break;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(bytes.subarray(start, start + 2));
      offset += 2;
      continue;
    }
    if (offset + 4 > bytes.length) throw new MalformedImage('jpeg: truncated segment');
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length) throw new MalformedImage('jpeg: bad segment length');
    const end = offset + 2 + length;
    if (marker === 0xda) {
      // Start of scan: entropy-coded data and everything after it is the picture.
      parts.push(bytes.subarray(start));
      break;
    }
    // APP1 holds EXIF (GPS) and XMP, APP13 IPTC/Photoshop, COM free text.
    const drop = marker === 0xe1 || marker === 0xed || marker === 0xfe;
    if (!drop) parts.push(bytes.subarray(start, end));
    offset = end;
  }
  return Buffer.concat(parts);
}

const pngDropped = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(bytes: Buffer): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 8)];
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > bytes.length) throw new MalformedImage('png: truncated chunk');
    if (!pngDropped.has(type)) parts.push(bytes.subarray(offset, end));
    offset = end;
    if (type === 'IEND') break;
  }
  return Buffer.concat(parts);
}

function stripWebp(bytes: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const fourcc = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const end = offset + 8 + size + (size % 2);
    if (offset + 8 + size > bytes.length) throw new MalformedImage('webp: truncated chunk');
    if (fourcc !== 'EXIF' && fourcc !== 'XMP ') {
      const chunk = Buffer.from(bytes.subarray(offset, Math.min(end, bytes.length)));
      // VP8X announces EXIF (bit 3) and XMP (bit 2): the flags must match the chunks left.
      if (fourcc === 'VP8X' && chunk.length > 8) chunk[8] = chunk[8]! & ~0x0c;
      chunks.push(chunk);
    }
    offset = end;
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}

/** Why a file was not kept (it is still listed on the message, without content). */
export type AttachmentRejection = 'too_large' | 'type' | 'malformed';

export type SaveResult =
  | { ok: true; attachment: Attachment & { meta: { storageKey: string; sha256: string } }; key: string }
  | { ok: false; reason: AttachmentRejection; attachment: Attachment };

export interface AttachmentStoreOptions {
  /** Folder of the files (created on first write), when no `storage` is given. */
  dir?: string;
  /** Where the bytes go (core/file-storage.ts); default: a folder storage on `dir`. */
  storage?: FileStorage;
  /** Largest file kept, in bytes. */
  maxBytes: number;
  /** Types kept (see defaultAllowedTypes). */
  allowedTypes?: readonly string[];
}

/** The folder for attachments: an explicit one (or `attachments.dir`), else `attachments/` beside the SQLite file,
 * else `data/attachments` in the project folder (PostgreSQL deployments). */
export function attachmentsDir(config: GatewayConfig, explicit?: string): string {
  const override = explicit ?? config.file.attachments?.dir;
  if (override) return isAbsolute(override) ? override : resolve(projectRoot, override);
  const url = config.env.DATABASE_URL;
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length);
    if (file !== ':memory:') return join(dirname(isAbsolute(file) ? file : resolve(projectRoot, file)), 'attachments');
  }
  return resolve(projectRoot, 'data', 'attachments');
}

/** Keeps attachment files; every channel that receives files goes through one of these. */
export function createAttachmentStore(options: AttachmentStoreOptions) {
  const allowed = new Set(options.allowedTypes ?? defaultAllowedTypes);
  const folder = options.dir ? createFolderStorage(options.dir) : null;
  const storage = options.storage ?? folder;
  if (!storage) throw new Error('an attachment store needs a folder or a storage');

  return {
    maxBytes: options.maxBytes,
    storage,
    /** Checks, cleans and writes one file; a refused file comes back described, not thrown. */
    async save(input: { bytes: Buffer; name?: string; declaredType?: string }): Promise<SaveResult> {
      const name = cleanName(input.name);
      const describe = (mimeType: string, size: number): Attachment => ({ kind: kindOf(mimeType), mimeType, size, ...(name ? { name } : {}) });
      if (input.bytes.length > options.maxBytes) {
        const declared = input.declaredType?.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
        return { ok: false, reason: 'too_large', attachment: { ...describe(declared, input.bytes.length), meta: { rejected: 'too_large' } } };
      }
      const mimeType = effectiveType(input.bytes, input.declaredType);
      if (!allowed.has(mimeType) || (name && dangerousName.test(name))) {
        return { ok: false, reason: 'type', attachment: { ...describe(mimeType, input.bytes.length), meta: { rejected: 'type' } } };
      }
      let bytes: Buffer;
      try {
        bytes = stripImageMetadata(input.bytes, mimeType);
      } catch (error) {
        if (!(error instanceof MalformedImage)) throw error;
        return { ok: false, reason: 'malformed', attachment: { ...describe(mimeType, input.bytes.length), meta: { rejected: 'malformed' } } };
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await storage.put(sha256, bytes);
      return {
        ok: true,
        key: sha256,
        attachment: { ...describe(mimeType, bytes.length), meta: { storageKey: sha256, sha256, ...(bytes !== input.bytes ? { metadataStripped: true } : {}) } },
      };
    },
    /** The bytes of a stored file, or null when the key names none. */
    async read(key: string): Promise<Buffer | null> {
      return storage.get(key);
    },
    /** The file's path, for a folder store only (tests look at the disk). */
    path(key: string): string {
      if (!folder) throw new Error('this attachment store keeps no folder');
      return folder.path(key);
    },
  };
}

export type AttachmentStore = ReturnType<typeof createAttachmentStore>;

/** A file name safe to show and to send back in a header: no path, no control characters. */
export function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>|*?:]/g, '_').trim().slice(0, 200);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : undefined;
}
