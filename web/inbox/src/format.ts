import type { Translate } from './i18n/index.ts';

export function duration(t: Translate, ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return t('duration.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('duration.hours', { n: hours, m: minutes % 60 });
  return t('duration.days', { n: Math.floor(hours / 24), h: hours % 24 });
}

export function time(locale: string, iso: string): string {
  return new Date(iso).toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

export function channelName(t: Translate, channel: string): string {
  const key = `channel.${channel}` as Parameters<Translate>[0];
  const name = t(key);
  return name === key ? channel : name;
}

/** Lowercase without Vietnamese marks (đ -> d), as the server folds for search. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** The server names why it refused a password by a key (`auth.password.tooShort`); say it in the agent's language. */
export function passwordReason(t: Translate, serverKey: string): string {
  if (serverKey === 'auth.password.tooShort') return t('password.tooShort');
  if (serverKey === 'auth.password.tooCommon') return t('password.tooCommon');
  return '';
}
