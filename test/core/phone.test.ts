import { describe, expect, it } from 'vitest';
import { maskPhone, normalizeVnPhone } from '../../src/core/domain/phone.ts';

describe('normalizeVnPhone', () => {
  it.each([
    ['0912 345 678', '84912345678'],
    ['+84 912-345-678', '84912345678'],
    ['84912345678', '84912345678'],
    ['(0277) 3898989', '842773898989'],
    ['0388.123.456', '84388123456'],
    ['912345678', null],
    ['1022', null],
    ['0123', null],
    ['1900 1234', null],
    ['0912 345 67a', null],
    ['', null],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeVnPhone(input)).toBe(expected);
  });

  it('masks all but the last three digits', () => {
    expect(maskPhone('84912345678')).toBe('********678');
  });
});
