import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip as gzipCallback } from 'node:zlib';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:web` writes the bundle; the same path from src/inbox and dist/inbox. */
export const inboxWebDir = join(dirname(fileURLToPath(import.meta.url)), '../../web/inbox/dist');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Nothing but the gateway itself: scripts and styles from our own files (no inline script),
 * API calls and the live WebSocket to the same origin ('self' covers ws/wss of the same host
 * in CSP level 3 browsers), no framing, no plugins (SECURITY.md 13).
 */
export const inboxCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', inboxCsp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);

interface Compressed {
  raw: Buffer;
  br: Buffer;
  gzip: Buffer;
}
const compressedAssets = new Map<string, Promise<Compressed>>();
/** A hashed asset never changes under its name: it is compressed once, at the best ratio. */
function compressedAsset(path: string): Promise<Compressed> {
  let found = compressedAssets.get(path);
  if (!found) {
    found = readFile(path).then(async (raw) => ({
      raw,
      br: await brotli(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      gzip: await gzip(raw, { level: 9 }),
    }));
    found.catch(() => compressedAssets.delete(path));
    compressedAssets.set(path, found);
  }
  return found;
}

/**
 * The agents' web app at /inbox: the bundle from web/inbox/dist (`npm run build:web`).
 * Hashed assets are cached for a year; index.html is revalidated each time so a new build is
 * picked up at once. Every other path under /inbox is a client route and gets index.html.
 */
export async function inboxWebApp(app: FastifyInstance, options: { dir?: string } = {}) {
  const dir = options.dir ?? inboxWebDir;
  const assetsDir = join(dir, 'assets');

  async function sendIndex(reply: FastifyReply) {
    let html: Buffer;
    try {
      html = await readFile(join(dir, 'index.html'));
    } catch {
      return secure(reply).status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('The inbox is not built: run `npm run build:web`.\n');
    }
    return secure(reply).type(contentTypes['.html']!).header('cache-control', 'no-cache').send(html);
  }

  app.get('/inbox', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));

  app.get('/inbox/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const path = normalize(join(assetsDir, name));
    const type = contentTypes[/\.[a-z0-9]+$/i.exec(name)?.[0]?.toLowerCase() ?? ''];
    // Only files directly inside assets/, of a known type: no traversal, no directory listing.
    if (!type || !path.startsWith(assetsDir + sep) || name.includes('/') || name.includes('\\')) return secure(reply).status(404).send({ statusCode: 404, code: 'not_found', message: 'not found' });
    let variants: Compressed;
    try {
      variants = await compressedAsset(path);
    } catch {
      return secure(reply).status(404).send({ statusCode: 404, code: 'not_found', message: 'not found' });
    }
    const accepted = String(request.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : null;
    secure(reply).type(type).header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'accept-encoding');
    return encoding ? reply.header('content-encoding', encoding).send(variants[encoding]) : reply.send(variants.raw);
  });

  app.get('/inbox/*', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
}
