import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import argon2 from 'argon2';
import type { MessageKey } from '../i18n/index.ts';

const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });

/**
 * Why a password is refused, or null when it is acceptable: long enough, and not guessable
 * from the common-password lists or from the person's own names (SECURITY.md item 1).
 */
export async function passwordProblem(password: string, minLength: number, personal: string[]): Promise<MessageKey | null> {
  if (password.length < minLength) return 'auth.password.tooShort';
  // People write their names without accents or spaces in passwords: "1022dongthap", "nguyenvana".
  const folded = personal.filter(Boolean).flatMap((p) => {
    const plain = p.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
    return [p, plain, plain.replace(/[^a-z0-9]/g, ''), ...plain.split(/[^a-z0-9]+/)].filter((v) => v.length >= 3);
  });
  const result = await zxcvbn.checkAsync(password, [...new Set(folded)]);
  return result.score < 3 ? 'auth.password.tooCommon' : null;
}

/** argon2id with the library's defaults (64 MiB, 3 passes). */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
