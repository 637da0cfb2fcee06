import { en } from './en.ts';
import { vi, type MessageKey } from './vi.ts';

export type Locale = 'vi' | 'en';
export type { MessageKey };

const catalogues: Record<Locale, Record<MessageKey, string>> = { vi, en };

/** Looks a text up in the catalogue and fills `{name}` placeholders. */
export function t(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return catalogues[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The same text in both languages, for API errors read by people and programs alike. */
export function both(key: MessageKey, params?: Record<string, string | number>): { vi: string; en: string } {
  return { vi: t('vi', key, params), en: t('en', key, params) };
}

/** Picks vi or en from an Accept-Language header; Vietnamese unless English is preferred. */
export function localeFrom(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'vi';
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'vi';
}
