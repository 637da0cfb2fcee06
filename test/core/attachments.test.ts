import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanName, createAttachmentStore, effectiveType, sniffType, stripImageMetadata } from '../../src/core/attachments.ts';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const pngChunk = (type: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
};
/** A real 1x1 PNG with an eXIf (GPS) and a tEXt chunk. */
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])),
  pngChunk('eXIf', Buffer.from('MM\0*GPSLatitude 10.46', 'latin1')),
  pngChunk('tEXt', Buffer.from('Author\0Nguyen Van A', 'latin1')),
  pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
  pngChunk('IEND', Buffer.alloc(0)),
]);

const riffChunk = (fourcc: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
};
const webpBody = Buffer.concat([
  riffChunk('VP8X', Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
  riffChunk('VP8 ', Buffer.alloc(10, 7)),
  riffChunk('EXIF', Buffer.from('GPSLatitude 10.46', 'latin1')),
  riffChunk('XMP ', Buffer.from('<x:xmpmeta/>', 'latin1')),
]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0, 0, 0, 0]), Buffer.from('WEBP'), webpBody]);
webp.writeUInt32LE(webp.length - 8, 4);

describe('attachments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the type from the bytes, not from the name or the declared type', () => {
    expect(sniffType(png)).toBe('image/png');
    expect(sniffType(webp)).toBe('image/webp');
    expect(effectiveType(Buffer.from('PK\x03\x04rest', 'latin1'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(effectiveType(Buffer.from('PK\x03\x04rest', 'latin1'), 'image/png')).toBe('application/zip');
    expect(effectiveType(Buffer.from('Xin chào, đây là văn bản'), 'application/pdf')).toBe('text/plain');
    expect(effectiveType(Buffer.from('MZ\x90\0', 'latin1'), 'image/jpeg')).toBe('application/x-executable');
  });

  it('removes EXIF, XMP and text from PNG and WebP, keeping the picture', () => {
    const cleanPng = stripImageMetadata(png, 'image/png');
    expect(cleanPng.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(cleanPng.includes(Buffer.from('Nguyen Van A'))).toBe(false);
    expect(cleanPng.includes(Buffer.from('IDAT'))).toBe(true);
    const cleanWebp = stripImageMetadata(webp, 'image/webp');
    expect(cleanWebp.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(cleanWebp.includes(Buffer.from('xmpmeta'))).toBe(false);
    expect(cleanWebp.readUInt32LE(4)).toBe(cleanWebp.length - 8);
    // VP8X no longer announces EXIF or XMP.
    expect(cleanWebp[20]! & 0x0c).toBe(0);
  });

  it('keeps one file per content, refuses what is too large, dangerous or broken', async () => {
    const store = createAttachmentStore({ dir, maxBytes: 1024 });
    const first = await store.save({ bytes: png, name: 'ảnh/../../giấy tờ.png', declaredType: 'image/png' });
    const again = await store.save({ bytes: png, name: 'copy.png' });
    expect(first.ok && again.ok && first.key === again.key).toBe(true);
    if (!first.ok) throw new Error('not stored');
    expect(first.attachment).toMatchObject({ kind: 'image', name: 'giấy tờ.png', mimeType: 'image/png', meta: { metadataStripped: true } });
    expect(readFileSync(store.path(first.key)).includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(await store.read(first.key)).toEqual(readFileSync(store.path(first.key)));
    expect(await store.read('0'.repeat(64))).toBeNull();
    expect(await store.read('../etc/passwd')).toBeNull();

    expect(await store.save({ bytes: Buffer.alloc(2048, 1), name: 'big.pdf', declaredType: 'application/pdf' })).toMatchObject({ ok: false, reason: 'too_large', attachment: { size: 2048 } });
    expect(await store.save({ bytes: Buffer.from('just text'), name: 'run.bat' })).toMatchObject({ ok: false, reason: 'type' });
    expect(await store.save({ bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), name: 'x.jpg' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(cleanName('C:\\Users\\an\\đơn "mới".docx')).toBe('đơn _mới_.docx');
  });
});
