import { describe, expect, it } from 'vitest';
import { templateData, znsPhone, znsReason, type ZnsTemplate } from '../../../src/channels/zalo-oa/zns.ts';

describe('ZNS rules', () => {
  it('maps Zalo ZNS codes to what the hotline does next', () => {
    expect([-119, -108, -109, -144, -147, -116, -133, -124, -100, -999].map(znsReason)).toEqual([
      'not_on_platform',
      'invalid_phone',
      'template_not_approved',
      'quota_exceeded',
      'quota_exceeded',
      'quota_exceeded',
      'out_of_hours',
      'auth_failed',
      'unavailable',
      'rejected',
    ]);
  });

  it('fills template parameters from the notice and writes phones as 84…', () => {
    const template: ZnsTemplate = { key: 'k', id: '1', name: 'n', purpose: 'care_pre_notice', data: { so: 'Gọi từ {number}', ma: '{code}', khac: '{unknown}' } };
    expect(templateData(template, { number: '1022', code: 'H1' })).toEqual({ so: 'Gọi từ 1022', ma: 'H1', khac: '{unknown}' });
    expect([znsPhone('0912 345 678'), znsPhone('84912345678'), znsPhone('+84 912 345 678')]).toEqual(['84912345678', '84912345678', '84912345678']);
  });
});
