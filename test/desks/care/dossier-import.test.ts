import { describe, expect, it } from 'vitest';
import { parseLocalTime, readCsv, resolveMapping, toDossier } from '../../../src/desks/care/dossier-import.ts';
import { dossierCodeIn, isApplicant, statusReply, type DossierStatus } from '../../../src/desks/care/status-lookup.ts';
import { fileSchema } from '../../../src/core/config/file-schema.ts';

const tz = 'Asia/Ho_Chi_Minh';

describe('reading a dossier export', () => {
  it.each([
    ['05/10/2026', '2026-10-04T17:00:00.000Z'],
    ['5/10/2026 10:30', '2026-10-05T03:30:00.000Z'],
    ['2026-10-05 10:30:15', '2026-10-05T03:30:15.000Z'],
    ['2026-10-05T10:30:00+07:00', '2026-10-05T03:30:00.000Z'],
    ['31/02/2026', null],
    ['05/13/2026', null],
    ['hôm qua', null],
    ['05/10/2026 25:00', null],
  ])('reads %s in the province\u2019s zone', (text, expected) => {
    expect(parseLocalTime(text, tz)?.toISOString() ?? null).toBe(expected);
  });

  it('finds columns by their usual Vietnamese headers, accents or not, and needs the code', () => {
    expect(resolveMapping(['MÃ HỒ SƠ', 'Ten thu tuc', 'Số điện thoại', 'Ngày trả kết quả'])).toEqual({ code: 'MÃ HỒ SƠ', procedure: 'Ten thu tuc', applicantPhone: 'Số điện thoại', finishedAt: 'Ngày trả kết quả' });
    expect(resolveMapping(['Số HS', 'SĐT'], { code: 'Số HS', applicantPhone: 'SĐT' })).toEqual({ code: 'Số HS', applicantPhone: 'SĐT' });
    expect(() => resolveMapping(['a', 'b'])).toThrow(/no column holds the dossier code/);
    expect(() => resolveMapping(['Mã hồ sơ'], { applicantPhone: 'Điện thoại DĐ' })).toThrow(/applicantPhone -> "Điện thoại DĐ"/);
  });

  it('gives each bad row its reason and normalizes the good ones', () => {
    const mapping = resolveMapping(['Mã hồ sơ', 'Cấp', 'Số điện thoại', 'Email']);
    const row = (code: string, level: string, phone: string, email = '') => toDossier({ 'Mã hồ sơ': code, Cấp: level, 'Số điện thoại': phone, Email: email }, mapping, tz);
    expect(row('H1.82-1-1', 'Cấp xã', '0912.345.678', 'A@Example.VN')).toMatchObject({ deskLevel: 'commune', applicantPhone: '84912345678', applicantEmail: 'a@example.vn' });
    expect(row('H1.82-1-1', 'Trung tâm Hành chính công', '')).toMatchObject({ deskLevel: 'province', applicantPhone: null });
    expect(row('', 'xã', '0912345678')).toBe('missing dossier code');
    expect(row('H1', 'thôn', '0912345678')).toMatch(/unknown desk level "thôn"/);
    expect(row('H1', 'xã', '1900 1234')).toMatch(/not a Vietnamese phone number/);
    expect(row('H1', 'xã', '', 'not-an-email')).toMatch(/not an email address/);
  });

  it('reads semicolon CSV as spreadsheet programs save it, with spreadsheet line numbers', () => {
    const table = readCsv('\uFEFFMã hồ sơ;Người nộp\nA;Bình\n\n"B;1";"Lê ""Út"""\n');
    expect(table.header).toEqual(['Mã hồ sơ', 'Người nộp']);
    expect(table.rows).toEqual([
      { line: 2, values: ['A', 'Bình'] },
      { line: 4, values: ['B;1', 'Lê "Út"'] },
    ]);
  });
});

describe('dossier status lookup', () => {
  const pattern = new RegExp(fileSchema.shape.care.parse({}).dossierCodePattern, 'iu');
  it.each([
    ['hồ sơ H12.82-260115-0001 đến đâu rồi', 'H12.82-260115-0001'],
    ['ho so 000.00.82.h12-260115-0001?', '000.00.82.H12-260115-0001'],
    ['Hồ sơ gửi ngày 15/01/2026, số 0912.345.678', null],
    ['thủ tục khai sinh cần gì', null],
  ])('finds the code in "%s"', (text, code) => {
    expect(dossierCodeIn(text, null, pattern)).toBe(code);
  });
  it('takes the web form\u2019s dossier field first', () => {
    expect(dossierCodeIn('xin hỏi', { dossierCode: 'g22-1/2026' }, pattern)).toBe('G22-1/2026');
  });

  const dossier: DossierStatus = { code: 'H12.82-260115-0001', status: 'Đang xử lý', dueAt: new Date('2026-01-20T01:00:00Z'), finishedAt: null, desk: 'Bộ phận một cửa phường Mỹ Tho', procedure: 'Đăng ký kết hôn', applicantName: 'Lê Thị Cúc', applicantPhone: '84912000222', applicantEmail: 'cuc@example.vn' };
  it('tells anyone the status, due date and desk, and the applicant alone who and what', () => {
    const stranger = statusReply(dossier.code, dossier, { phone: '84987000000', email: null }, 'vi', tz);
    expect(stranger).toContain('Đang xử lý');
    expect(stranger).toContain('20/01/2026');
    expect(stranger).toContain('Bộ phận một cửa phường Mỹ Tho');
    expect(stranger).not.toContain('Lê Thị Cúc');
    expect(stranger).not.toContain('kết hôn');
    const owner = statusReply(dossier.code, dossier, { phone: null, email: 'CUC@example.vn' }, 'vi', tz);
    expect(owner).toContain('Lê Thị Cúc');
    expect(owner).toContain('Đăng ký kết hôn');
    expect(isApplicant(dossier, null)).toBe(false);
    expect(isApplicant({ applicantPhone: null, applicantEmail: null }, { phone: null, email: null })).toBe(false);
    expect(statusReply('X', null, null, 'en', tz)).toContain('has not found dossier X');
  });
});

describe('the one-stop system\u2019s API as a status source', () => {
  it('reads its answer, tells an unknown dossier from an unreachable system', async () => {
    const { httpStatusSource } = await import('../../../src/desks/care/status-lookup.ts');
    const asked: string[] = [];
    const fake = (async (url: string) => {
      asked.push(url);
      if (url.endsWith('/A%2F1')) return new Response(JSON.stringify({ code: 'A/1', status: 'Đang xử lý', dueAt: '2026-01-20T01:00:00Z', desk: 'Một cửa', applicantPhone: '84912000222', applicantEmail: 'X@Y.VN' }), { status: 200 });
      if (url.endsWith('/B')) return new Response('', { status: 404 });
      return new Response('down', { status: 503 });
    }) as unknown as typeof fetch;
    const source = httpStatusSource('https://dvc.example/api/ho-so/{code}', fake);
    expect(await source.find('A/1')).toMatchObject({ code: 'A/1', status: 'Đang xử lý', dueAt: new Date('2026-01-20T01:00:00Z'), finishedAt: null, applicantEmail: 'x@y.vn' });
    expect(await source.find('B')).toBeNull();
    await expect(source.find('C')).rejects.toThrow(/503/);
    expect(asked[0]).toBe('https://dvc.example/api/ho-so/A%2F1');
  });
});
