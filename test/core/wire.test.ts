import { describe, expect, it } from 'vitest';
import { benchWire } from '../../bench/wire.ts';
import { buildInbox } from '../../scripts/build-inbox.ts';

describe('bytes on the wire', () => {
  it('compresses every page, script and style, and keeps the inbox sign-in under 100 KB gzipped', async () => {
    await buildInbox();
    const { rows, signIn } = await benchWire();
    for (const row of rows.filter((r) => r.identity >= 1024)) {
      expect(row.encoding, row.path).toBe('br');
      expect(row.gzip, row.path).toBeLessThan(row.identity * 0.6);
    }
    // Only the sign-in's own files: the screens behind it are chunks loaded later.
    const gzipped = rows.filter((r) => r.path === '/inbox' || r.path.startsWith('/inbox/assets/')).reduce((sum, r) => sum + r.gzip, 0);
    expect(gzipped).toBeLessThan(100 * 1024);
    expect(signIn.best).toBeLessThan(gzipped);
    // The widget's loader, on every page of the portal, stays small.
    expect(rows.find((r) => r.path === '/widget.js')!.best).toBeLessThan(3 * 1024);
  }, 60_000);
});
