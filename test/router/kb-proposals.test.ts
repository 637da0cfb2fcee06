import { describe, expect, it } from 'vitest';
import { redactQuestion } from '../../src/router/knowledge-base/proposals.ts';

describe('a learned question keeps how it was asked, never who asked it', () => {
  it.each([
    ['Tui tên Nguyễn Văn Ba, sđt 0912 345 678, làm khai sanh cho con sao', 'Tui tên … sđt …, làm khai sanh cho con sao'],
    ['em là Lan ở số 12 đường Lý Thường Kiệt, hồ sơ H12.82-260115-0001 tới đâu rồi', 'em là … ở số … đường Lý Thường Kiệt, hồ sơ … tới đâu rồi'],
    ['gửi giúp em vào mail abc.def@gmail.com nhé, cccd 087123456789', 'gửi giúp em vào mail … nhé, cccd …'],
    ['phiếu 1022-2026-000123 của tôi sao rồi, gọi +84 912345678', 'phiếu … của tôi sao rồi, gọi …'],
  ])('%s', (asked, kept) => {
    expect(redactQuestion(asked)).toBe(kept);
  });

  it('leaves a question with nothing personal as it is', () => {
    expect(redactQuestion('bán miếng đất ruộng thì sang tên sao')).toBe('bán miếng đất ruộng thì sang tên sao');
  });
});
