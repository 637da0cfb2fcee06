// npm run dossiers:import as an operator runs it: a file in, a summary on stdout, each bad row
// on stderr, the mapping remembered for the next run, and a clear exit code.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/core/store/store.ts';

const root = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gw1022-import-cli-'));
const env = { ...process.env, DATABASE_URL: `file:${join(dir, 'gw.db')}`, LOG_LEVEL: 'silent' };

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/import-dossiers.ts', ...args], { cwd: root, env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dossiers:import', () => {
  it('imports the good rows, lists the bad ones, and remembers the mapping by name', async () => {
    const file = join(dir, 'xa.csv');
    writeFileSync(file, 'Số HS;Chủ hồ sơ;SĐT;Ngày có kết quả\nA1.82-1-1;Nguyễn A;0912345678;01/10/2026\n;B;0912345679;02/10/2026\nA1.82-1-2;C;0912000999;32/10/2026\n');
    const first = await run(file, '--mapping', 'xa-cu', '--columns', JSON.stringify({ code: 'Số HS', applicantName: 'Chủ hồ sơ', applicantPhone: 'SĐT', finishedAt: 'Ngày có kết quả' }));
    expect(first.stdout).toContain('3 rows: 1 added, 0 updated, 2 not imported');
    expect(first.stderr).toContain('line 3: missing dossier code');
    expect(first.stderr).toContain('line 4 (A1.82-1-2): unreadable finishedAt "32/10/2026"');
    expect(first.code).toBe(2);
    // The next file of the same system: the remembered mapping, the known code updated.
    writeFileSync(file, 'Số HS;Chủ hồ sơ;SĐT;Ngày có kết quả\nA1.82-1-1;Nguyễn Văn A;0912345678;01/10/2026\n');
    const second = await run(file, '--mapping', 'xa-cu');
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('1 rows: 0 added, 1 updated, 0 not imported') });
    const store = await openStore({ url: env.DATABASE_URL });
    const rows = await store.db.select({ code: store.t.dossiers.code, name: store.t.dossiers.applicantName, phone: store.t.dossiers.applicantPhone }).from(store.t.dossiers);
    await store.close();
    expect(rows).toEqual([{ code: 'A1.82-1-1', name: 'Nguyễn Văn A', phone: '84912345678' }]);
  }, 60_000);

  it('says what is wrong with a file it cannot use', async () => {
    expect(await run(join(dir, 'missing.csv'))).toMatchObject({ code: 66, stderr: expect.stringContaining('cannot read') });
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    expect(await run(file)).toMatchObject({ code: 65, stderr: expect.stringContaining('no column holds the dossier code') });
    expect(await run()).toMatchObject({ code: 64, stderr: expect.stringContaining('usage') });
  }, 60_000);
});
