// The care screens' pure parts: answers typed as the server checks them, the server's reasons for
// bad import rows read back for the catalogue, and the /inbox/care routes.
import { describe, expect, it } from 'vitest';
import { toDossier } from '../../src/desks/care/dossier-import.ts';
import { answersFrom, importReason, type Questionnaire } from '../../web/inbox/src/care/care-api.ts';
import { careEn, careVi } from '../../web/inbox/src/i18n/care.ts';
import { parseRoute, pathOf } from '../../web/inbox/src/route.ts';

const questionnaire: Questionnaire = {
  template: 'custom',
  title: 'Khảo sát',
  overallKey: 'overall',
  questions: [
    { key: 'overall', kind: 'scale', label: 'Nhìn chung', required: true },
    { key: 'onTime', kind: 'yesno', label: 'Đúng hẹn?', required: false },
    { key: 'desk', kind: 'choice', label: 'Quầy', required: true, options: [{ value: 'a', label: 'A' }] },
    { key: 'suggestions', kind: 'text', label: 'Góp ý', required: false },
  ],
};

describe('care screens, pure parts', () => {
  it('types the answers as the server checks them and names the required ones left empty', () => {
    expect(answersFrom(questionnaire, { overall: '2', onTime: 'no', desk: 'a', suggestions: '  ' })).toEqual({ answers: { overall: 2, onTime: false, desk: 'a' }, missing: [] });
    expect(answersFrom(questionnaire, { onTime: 'yes', suggestions: 'Thêm ghế chờ' })).toEqual({ answers: { onTime: true, suggestions: 'Thêm ghế chờ' }, missing: ['overall', 'desk'] });
  });

  it('reads back every reason the importer gives, with its values', () => {
    const row = (cells: Record<string, string>) => toDossier(cells, { code: 'c', applicantPhone: 'p', applicantEmail: 'e', dueAt: 'd', deskLevel: 'l' }, 'Asia/Ho_Chi_Minh');
    const reasons = [row({ c: '' }), row({ c: 'X'.repeat(81) }), row({ c: 'A1', d: '31/02/2026' }), row({ c: 'A1', p: '12345' }), row({ c: 'A1', e: 'khong-phai-email' }), row({ c: 'A1', l: 'thôn' })];
    expect(reasons.every((r) => typeof r === 'string')).toBe(true);
    expect(reasons.map((r) => importReason(r as string))).toEqual([
      { key: 'missingCode', params: {} },
      { key: 'codeTooLong', params: { max: '80' } },
      { key: 'badDate', params: { field: 'dueAt', value: '31/02/2026' } },
      { key: 'badPhone', params: { value: '12345' } },
      { key: 'badEmail', params: { value: 'khong-phai-email' } },
      { key: 'badLevel', params: { value: 'thôn' } },
    ]);
    expect(importReason('dossier code repeated (first on line 7)')).toEqual({ key: 'repeated', params: { line: '7' } });
    expect(importReason('something new')).toBeNull();
    for (const found of reasons.map((r) => importReason(r as string))) expect(careVi[`care.import.reason.${found!.key}`]).toBeTruthy();
  });

  it('routes /inbox/care to its sections and back', () => {
    expect(parseRoute('/inbox/care')).toEqual({ name: 'care', section: 'queue', id: null });
    expect(parseRoute('/inbox/care/queue/12')).toEqual({ name: 'care', section: 'queue', id: 12 });
    expect(parseRoute('/inbox/care/campaigns/')).toEqual({ name: 'care', section: 'campaigns', id: null });
    expect(parseRoute('/inbox/care/nothing')).toEqual({ name: 'care', section: 'queue', id: null });
    for (const path of ['/inbox/care/visits', '/inbox/care/import', '/inbox/care/campaigns/3']) expect(pathOf(parseRoute(path))).toBe(path);
  });

  it('says every care text in both languages', () => {
    expect(Object.keys(careEn).sort()).toEqual(Object.keys(careVi).sort());
    expect(Object.entries(careEn).filter(([, text]) => !text.trim())).toEqual([]);
  });
});
