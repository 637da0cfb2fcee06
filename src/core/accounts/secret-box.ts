import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const prefix = 'v1:';

/**
 * Encrypts small secrets kept in the store (TOTP seeds) with AES-256-GCM, so a copy of the
 * database or a backup alone does not give anyone's second factor. The key comes from the
 * environment; a value written before encryption existed is read as it is and encrypted the next
 * time it is written.
 */
export function createSecretBox(keyMaterial: string) {
  // Any long random string will do as key material; hashing it gives AES its 32 bytes.
  const key = createHash('sha256').update(keyMaterial, 'utf8').digest();
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${prefix}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${sealed.toString('base64url')}`;
    },
    open(stored: string): string {
      if (!stored.startsWith(prefix)) return stored;
      const [iv, tag, sealed] = stored.slice(prefix.length).split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(sealed ?? '', 'base64url')), decipher.final()]).toString('utf8');
    },
    isSealed: (stored: string) => stored.startsWith(prefix),
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
