import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { fmt, root } from './lib.ts';

export interface ImportRun {
  ms: number;
  rows: number;
  inserted: number;
  updated: number;
  errors: number;
  baselineMb: number;
  peakMb: number;
  fileMb: number;
}

export interface DossierBench {
  rows: number;
  csv: ImportRun;
  /** The same file again: every row an update by code. */
  csvAgain: ImportRun;
  xlsx: ImportRun;
}

const header = ['Mã hồ sơ', 'Tên thủ tục', 'Lĩnh vực', 'Nơi tiếp nhận', 'Cấp', 'Đơn vị', 'Người nộp', 'Số điện thoại', 'Email', 'Ngày tiếp nhận', 'Ngày hẹn trả', 'Ngày trả kết quả', 'Trạng thái'];
const procedures = ['Đăng ký khai sinh', 'Cấp bản sao trích lục hộ tịch', 'Chứng thực bản sao', 'Đăng ký kinh doanh hộ cá thể', 'Cấp phiếu lý lịch tư pháp'];

/** A one-stop export as the province's system would write it: one dossier in 200 has a bad date. */
function row(i: number): string[] {
  const commune = i % 3 !== 0;
  const day = 1 + (i % 28);
  return [
    `${commune ? 'X' : 'H'}${String(i % 97).padStart(2, '0')}.82-2610${String(day).padStart(2, '0')}-${String(i).padStart(6, '0')}`,
    procedures[i % procedures.length]!,
    'Hộ tịch',
    commune ? `Bộ phận một cửa xã số ${i % 102}` : 'Trung tâm Phục vụ hành chính công tỉnh',
    commune ? 'Xã' : 'Tỉnh',
    commune ? `Xã số ${i % 102}` : 'Sở Tư pháp',
    `Nguyễn Văn ${i}`,
    `09${String(10_000_000 + i).slice(-8)}`,
    i % 4 === 0 ? `nguoi${i}@example.vn` : '',
    `${String(day).padStart(2, '0')}/10/2026`,
    i % 200 === 7 ? '31/02/2026' : `${String(Math.min(28, day + 3)).padStart(2, '0')}/10/2026`,
    `${String(Math.min(28, day + 2)).padStart(2, '0')}/10/2026 09:30`,
    'Đã trả kết quả',
  ];
}

function importIn(file: string, url: string): ImportRun {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/dossier-import.ts', file, url], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ImportRun;
}

/** Imports 50,000 dossiers from CSV (then the same file again) and from XLSX, each into SQLite. */
export async function benchDossiers(rows = 50_000): Promise<DossierBench> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-dossiers-'));
  try {
    const data = Array.from({ length: rows }, (_, i) => row(i + 1));
    const csv = join(dir, 'ho-so.csv');
    const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
    writeFileSync(csv, `\uFEFF${[header, ...data].map((r) => r.map(quote).join(',')).join('\n')}\n`);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Hồ sơ');
    sheet.addRow(header);
    for (const r of data) sheet.addRow(r);
    const xlsx = join(dir, 'ho-so.xlsx');
    await book.xlsx.writeFile(xlsx);
    const first = importIn(csv, `file:${join(dir, 'csv.db')}`);
    const again = importIn(csv, `file:${join(dir, 'csv.db')}`);
    const fromXlsx = importIn(xlsx, `file:${join(dir, 'xlsx.db')}`);
    return { rows, csv: first, csvAgain: again, xlsx: fromXlsx };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printDossiers(r: DossierBench): void {
  console.log(`dossier import: ${fmt(r.rows)} rows into SQLite (1 in 200 with a bad date, listed and skipped)`);
  const line = (name: string, run: ImportRun) =>
    console.log(
      `  ${name.padEnd(18)} ${fmt(run.ms / 1000, 2)} s   ${fmt((run.rows / run.ms) * 1000)} rows/s   +${fmt(run.inserted)} ~${fmt(run.updated)} !${fmt(run.errors)}   peak RSS ${fmt(run.peakMb)} MB (start ${fmt(run.baselineMb)} MB, file ${fmt(run.fileMb, 1)} MB)`,
    );
  line('CSV, new', r.csv);
  line('CSV, again (upd.)', r.csvAgain);
  line('XLSX, new', r.xlsx);
}
