import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { InboxState } from '../channel-adapter.ts';
import type { Credentials } from './types.ts';

/** What a sign-in leaves behind: enough to sign in again after a restart without the phone. */
export interface StoredSession {
  credentials: Credentials;
  ownId: string | null;
  displayName: string | null;
  savedAt: number;
}

/** The record in the inbox state: only `savedAt` is readable, the rest is sealed. */
interface SealedRecord {
  v: 1;
  savedAt: number;
  iv: string;
  tag: string;
  data: string;
}

export const sessionKey = 'zalo-personal.session';

/**
 * The account's session, sealed with AES-256-GCM under a key derived from the deployment's
 * secret: the cookies are as good as the password, and a copy of the database or a backup
 * must not hand the account over. The inbox key is part of the derivation, so one inbox's record
 * does not open as another's.
 */
export function createSessionStore(state: InboxState, secret: string, inboxKey: string) {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('zalo-personal-session', 'utf8'), Buffer.from(inboxKey, 'utf8'), 32));
  const aad = Buffer.from(`zalo-personal:${inboxKey}`, 'utf8');

  function seal(session: StoredSession): SealedRecord {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const data = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return { v: 1, savedAt: session.savedAt, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  function open(record: SealedRecord): StoredSession {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(record.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(record.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(record.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as StoredSession;
  }

  return {
    async save(session: StoredSession): Promise<void> {
      await state.set(sessionKey, JSON.stringify(seal(session)));
    },
    /**
     * The stored session; null when there is none. Throws when a record exists but does not
     * open (another key, or tampered with): the admin must sign in again.
     */
    async load(): Promise<StoredSession | null> {
      const raw = await state.get(sessionKey);
      if (!raw) return null;
      let record: SealedRecord;
      try {
        record = JSON.parse(raw) as SealedRecord;
      } catch {
        throw new Error('the stored session is not readable');
      }
      try {
        return open(record);
      } catch {
        throw new Error('the stored session does not open with the configured session key (ZALO_PERSONAL_SESSION_KEY changed?)');
      }
    },
    /** When the stored session was saved, without opening it: nodes notice a new sign-in. */
    async savedAt(): Promise<number | null> {
      const raw = await state.get(sessionKey);
      if (!raw) return null;
      try {
        return (JSON.parse(raw) as SealedRecord).savedAt ?? null;
      } catch {
        return null;
      }
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
