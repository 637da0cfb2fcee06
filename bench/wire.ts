import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/core/config/load-config.ts';
import { fmt } from './lib.ts';

export interface WireRow {
  what: string;
  path: string;
  /** Bytes of the body as sent without compression, with gzip only, and with br or gzip offered. */
  identity: number;
  gzip: number;
  best: number;
  encoding: string;
}

export interface WireBench {
  rows: WireRow[];
  /** What a first visit to the inbox's sign-in downloads: the page, its style and its static imports. */
  signIn: { files: number; identity: number; best: number };
}

/** The body's bytes exactly as they cross the wire (node's http does not decode them). */
function wireBytes(url: string, acceptEncoding: string | null): Promise<{ bytes: Buffer; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ bytes: Buffer.concat(chunks), encoding: String(res.headers['content-encoding'] ?? 'identity') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Bytes on the wire of what citizens and agents download first: the web form, the widget (the
 * loader every page of the portal carries, then the frame on first open) and the inbox's
 * sign-in, each without compression, with gzip and with brotli.
 */
export async function benchWire(): Promise<WireBench> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-wire-'));
  const app = await buildApp(loadConfig({ DATABASE_URL: `file:${join(dir, 'gateway.db')}`, LOG_LEVEL: 'silent', GATEWAY_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef' }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const measure = async (what: string, path: string): Promise<WireRow & { text: string }> => {
      const plain = await wireBytes(`${base}${path}`, null);
      const gzip = await wireBytes(`${base}${path}`, 'gzip');
      const best = await wireBytes(`${base}${path}`, 'br, gzip');
      return { what, path, identity: plain.bytes.length, gzip: gzip.bytes.length, best: best.bytes.length, encoding: best.encoding, text: plain.bytes.toString('utf8') };
    };
    const rows: Array<WireRow & { text: string }> = [];
    rows.push(await measure('web form page', '/gui-cau-hoi'));
    rows.push(await measure('web form script', '/assets/webform.js'));
    rows.push(await measure('web form style', '/assets/webform.css'));
    rows.push(await measure('widget loader (every portal page)', '/widget.js'));
    rows.push(await measure('widget frame page (first open)', `/webchat/frame?host=${encodeURIComponent(base)}`));
    rows.push(await measure('widget frame script', '/webchat/frame.js'));
    rows.push(await measure('widget frame style', '/webchat/frame.css'));
    const index = await measure('inbox sign-in page', '/inbox');
    rows.push(index);
    // The sign-in downloads its page, its style sheet and the entry script with what it
    // imports statically; the screens behind sign-in (dynamic imports) come later.
    const signInFiles: Array<WireRow & { text: string }> = [index];
    const queue = [...index.text.matchAll(/(?:href|src)="(\/inbox\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    const seen = new Set<string>();
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const row = await measure(path.endsWith('.css') ? 'inbox style' : path.includes('/main-') ? 'inbox entry script' : 'inbox shared chunk', path);
      signInFiles.push(row);
      rows.push(row);
      for (const m of row.text.matchAll(/(?:^|[;}\n])\s*import\s*(?:[^"'()]*?from\s*)?["'](\.\/[^"']+\.js)["']/g)) queue.push(`/inbox/assets/${m[1]!.slice(2)}`);
    }
    const signIn = {
      files: signInFiles.length,
      identity: signInFiles.reduce((sum, r) => sum + r.identity, 0),
      best: signInFiles.reduce((sum, r) => sum + r.best, 0),
    };
    return { rows: rows.map(({ text: _text, ...row }) => row), signIn };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printWire(result: WireBench): void {
  console.log('bytes on the wire (body only, as sent)');
  const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;
  for (const row of result.rows) {
    console.log(`  ${row.what.padEnd(36)} ${kb(row.identity).padStart(10)} plain  ${kb(row.gzip).padStart(10)} gzip  ${kb(row.best).padStart(10)} ${row.encoding.padEnd(8)} ${row.path.length > 40 ? `${row.path.slice(0, 40)}…` : row.path}`);
  }
  console.log(`  inbox sign-in, first visit: ${result.signIn.files} files, ${kb(result.signIn.identity)} plain, ${kb(result.signIn.best)} compressed`);
}
