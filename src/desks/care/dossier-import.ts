// Reading the one-stop system's dossier export (CSV or XLSX) into dossier records. Pure apart from
// the parsers: the mapping of columns, the checking of each row and the reasons of bad rows.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { instantOf } from '../../core/business-hours.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import { HttpError } from '../../core/errors.ts';
import { foldText } from '../../core/text-fold.ts';

export const dossierFields = [
  'code',
  'procedure',
  'field',
  'desk',
  'deskLevel',
  'unit',
  'applicantName',
  'applicantPhone',
  'applicantEmail',
  'submittedAt',
  'dueAt',
  'finishedAt',
  'status',
] as const;
export type DossierField = (typeof dossierFields)[number];

/** Which column of the file holds each field (the header as the file writes it). */
export type ColumnMapping = Partial<Record<DossierField, string>>;

export type DeskLevel = 'province' | 'district' | 'commune';

export interface DossierRecord {
  code: string;
  procedure: string | null;
  field: string | null;
  desk: string | null;
  deskLevel: DeskLevel | null;
  unit: string | null;
  applicantName: string | null;
  applicantPhone: string | null;
  applicantEmail: string | null;
  submittedAt: Date | null;
  dueAt: Date | null;
  finishedAt: Date | null;
  status: string | null;
  raw: Record<string, string>;
}

export interface RowError {
  /** The line as a spreadsheet shows it: the header is line 1. */
  line: number;
  code: string | null;
  reason: string;
}

/** A table read from a file: its header and its rows' values, each with the line it came from. */
export interface Table {
  header: string[];
  rows: Array<{ line: number; values: string[] }>;
}

/** A row's values by header (built one row at a time: 50,000 of them at once weigh hundreds of MB). */
export const cellsOf = (header: readonly string[], values: readonly string[]): Record<string, string> => Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));

// Headers as one-stop systems and hand-made spreadsheets write them, folded (no accents, lower).
const aliases: Record<DossierField, string[]> = {
  code: ['ma ho so', 'so ho so', 'ma hs', 'code', 'dossier code', 'dossier_code'],
  procedure: ['thu tuc', 'ten thu tuc', 'thu tuc hanh chinh', 'ten tthc', 'procedure'],
  field: ['linh vuc', 'field'],
  desk: ['noi tiep nhan', 'bo phan tiep nhan', 'bo phan mot cua', 'quay tiep nhan', 'desk'],
  deskLevel: ['cap', 'cap tiep nhan', 'cap giai quyet', 'desk level', 'desk_level', 'level'],
  unit: ['don vi', 'co quan giai quyet', 'don vi xu ly', 'don vi giai quyet', 'unit'],
  applicantName: ['nguoi nop', 'chu ho so', 'ten nguoi nop', 'ho ten', 'applicant', 'applicant name', 'applicant_name'],
  applicantPhone: ['so dien thoai', 'dien thoai', 'sdt', 'phone', 'applicant phone', 'applicant_phone'],
  applicantEmail: ['email', 'thu dien tu', 'applicant email', 'applicant_email'],
  submittedAt: ['ngay tiep nhan', 'ngay nop', 'submitted', 'submitted at', 'submitted_at'],
  dueAt: ['ngay hen tra', 'han xu ly', 'han giai quyet', 'ngay hen', 'due', 'due at', 'due_at'],
  finishedAt: ['ngay tra ket qua', 'ngay hoan thanh', 'ngay co ket qua', 'finished', 'finished at', 'finished_at'],
  status: ['trang thai', 'tinh trang', 'status'],
};

const fold = (s: string) => foldText(s).replace(/\s+/g, ' ').trim();

/**
 * The mapping for a header: columns named in `given` (they must exist), the rest found by the
 * usual names. The dossier code column is required.
 */
export function resolveMapping(header: readonly string[], given: ColumnMapping = {}): ColumnMapping {
  const byFolded = new Map(header.map((h) => [fold(h), h]));
  const mapping: ColumnMapping = {};
  const missing: string[] = [];
  for (const field of dossierFields) {
    const named = given[field];
    if (named !== undefined) {
      const found = header.includes(named) ? named : byFolded.get(fold(named));
      if (found === undefined) missing.push(`${field} -> "${named}"`);
      else mapping[field] = found;
      continue;
    }
    const alias = aliases[field].find((a) => byFolded.has(a));
    if (alias) mapping[field] = byFolded.get(alias)!;
  }
  if (missing.length) throw new HttpError(400, 'mapping_mismatch', `the file has no column for ${missing.join(', ')} (columns: ${header.join(', ')})`);
  if (!mapping.code) throw new HttpError(400, 'mapping_mismatch', `no column holds the dossier code: name it in the mapping (columns: ${header.join(', ')})`);
  return mapping;
}

const deskLevels: Record<string, DeskLevel> = {
  province: 'province',
  tinh: 'province',
  'cap tinh': 'province',
  'trung tam hanh chinh cong': 'province',
  'trung tam phuc vu hanh chinh cong': 'province',
  district: 'district',
  huyen: 'district',
  'cap huyen': 'district',
  commune: 'commune',
  xa: 'commune',
  phuong: 'commune',
  'cap xa': 'commune',
  'xa, phuong': 'commune',
  'xa/phuong': 'commune',
};

/**
 * A local date or date-time in the deployment's zone: dd/mm/yyyy[ hh:mm[:ss]] as Vietnamese
 * systems write, yyyy-mm-dd[ hh:mm[:ss]], or ISO with an offset. Null when unreadable.
 */
export function parseLocalTime(value: string, timeZone: string): Date | null {
  const v = value.trim();
  let date: string | null = null;
  let rest = '';
  const vn = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(.*)$/.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(.*)$/.exec(v);
  if (vn) {
    const [d, m, y] = [Number(vn[1]), Number(vn[2]), Number(vn[3])];
    date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    rest = vn[4]!;
  } else if (iso) {
    if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso[4]!)) {
      const parsed = new Date(v);
      return Number.isNaN(parsed.getTime()) ? null : parsed;
    }
    date = `${iso[1]}-${iso[2]}-${iso[3]}`;
    rest = iso[4]!;
  }
  if (!date) return null;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  const time = /^(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(rest.trim() === '' ? '' : ` ${rest.trim()}`);
  if (!time) return null;
  const hours = Number(time[1] ?? 0);
  const minutes = Number(time[2] ?? 0);
  if (hours > 23 || minutes > 59) return null;
  return new Date(localInstant(date, hours * 60 + minutes, timeZone).getTime() + Number(time[3] ?? 0) * 1000);
}

// instantOf builds an Intl formatter per call (tens of microseconds); an export repeats the same
// few hundred dates and times, so each is worked out once.
const instants = new Map<string, Date>();
function localInstant(date: string, minutes: number, timeZone: string): Date {
  const key = `${timeZone} ${date} ${minutes}`;
  let at = instants.get(key);
  if (!at) {
    if (instants.size > 100_000) instants.clear();
    at = instantOf(date, minutes, timeZone);
    instants.set(key, at);
  }
  return at;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One row to a dossier, or why not. */
export function toDossier(cells: Record<string, string>, mapping: ColumnMapping, timeZone: string): DossierRecord | string {
  const get = (field: DossierField) => {
    const column = mapping[field];
    const value = column === undefined ? '' : (cells[column] ?? '').trim();
    return value === '' ? null : value;
  };
  const code = get('code');
  if (!code) return 'missing dossier code';
  if (code.length > 80) return 'dossier code longer than 80 characters';
  const times: Partial<Record<'submittedAt' | 'dueAt' | 'finishedAt', Date | null>> = {};
  for (const field of ['submittedAt', 'dueAt', 'finishedAt'] as const) {
    const value = get(field);
    if (value === null) {
      times[field] = null;
      continue;
    }
    const parsed = parseLocalTime(value, timeZone);
    if (!parsed) return `unreadable ${field} "${value}" (dd/mm/yyyy or yyyy-mm-dd, with an optional hh:mm)`;
    times[field] = parsed;
  }
  const phoneText = get('applicantPhone');
  const phone = phoneText === null ? null : normalizeVnPhone(phoneText);
  if (phoneText !== null && !phone) return `not a Vietnamese phone number "${phoneText}"`;
  const email = get('applicantEmail')?.toLowerCase() ?? null;
  if (email !== null && !emailPattern.test(email)) return `not an email address "${email}"`;
  const levelText = get('deskLevel');
  const deskLevel = levelText === null ? null : (deskLevels[fold(levelText)] ?? null);
  if (levelText !== null && !deskLevel) return `unknown desk level "${levelText}" (province/tỉnh, district/huyện, commune/xã)`;
  return {
    code,
    procedure: get('procedure'),
    field: get('field'),
    desk: get('desk'),
    deskLevel,
    unit: get('unit'),
    applicantName: get('applicantName'),
    applicantPhone: phone,
    applicantEmail: email,
    submittedAt: times.submittedAt ?? null,
    dueAt: times.dueAt ?? null,
    finishedAt: times.finishedAt ?? null,
    status: get('status'),
    raw: cells,
  };
}

/** A CSV file with a header row (comma or semicolon, as spreadsheet programs save it). */
export function readCsv(text: string): Table {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: string[][];
  try {
    records = parse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, trim: true }) as string[][];
  } catch (error) {
    throw new HttpError(400, 'invalid_file', `the file is not readable CSV: ${(error as Error).message}`);
  }
  const [header = [], ...body] = records;
  const rows: Table['rows'] = [];
  body.forEach((cells, index) => {
    if (cells.every((c) => c === '')) return;
    rows.push({ line: index + 2, values: cells });
  });
  return { header, rows };
}

/** A cell as text. Date cells become dd/mm/yyyy hh:mm (exceljs reads the sheet's wall-clock
 * time as UTC), so they meet the same parser as CSV text. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(value.getUTCDate())}/${p(value.getUTCMonth() + 1)}/${value.getUTCFullYear()} ${p(value.getUTCHours())}:${p(value.getUTCMinutes())}`;
  }
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    return '';
  }
  return String(value).trim();
}

/**
 * The first sheet of an XLSX workbook, read as a stream: a 50,000-row export loaded whole as an
 * exceljs workbook takes several times the memory and time.
 */
export async function readXlsx(data: Buffer): Promise<Table> {
  let header: string[] = [];
  const rows: Table['rows'] = [];
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([data]), { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore' });
    let sheets = 0;
    for await (const sheet of reader) {
      if (sheets++ > 0) break;
      for await (const row of sheet as unknown as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
        if (header.length === 0) {
          header = values;
          continue;
        }
        if (values.every((c) => c === '')) continue;
        rows.push({ line: row.number, values });
      }
    }
  } catch (error) {
    throw new HttpError(400, 'invalid_file', `the file is not a readable XLSX workbook: ${(error as Error).message}`);
  }
  if (header.length === 0) throw new HttpError(400, 'invalid_file', 'the workbook has no rows');
  return { header, rows };
}

/** Reads either kind, told by the file's first bytes (an XLSX is a zip: "PK"). */
export async function readTable(data: Buffer): Promise<Table> {
  if (data.length >= 2 && data[0] === 0x50 && data[1] === 0x4b) return readXlsx(data);
  return readCsv(data.toString('utf8'));
}
