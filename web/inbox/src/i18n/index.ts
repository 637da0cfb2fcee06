import { createContext, useContext } from 'react';
import { en } from './en.ts';
import { ticketsEn, ticketsVi } from './tickets.ts';
import { careEn, careVi } from './care.ts';
import { privacyEn, privacyVi } from './privacy.ts';
import { vi, type MessageKey as BaseKey } from './vi.ts';
// The phone line's screen pop.
import { callsEn, callsVi } from './calls.ts';

export type Locale = 'vi' | 'en';
export type MessageKey = BaseKey | keyof typeof ticketsVi | keyof typeof careVi | keyof typeof privacyVi | keyof typeof callsVi;
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const catalogues: Record<Locale, Record<MessageKey, string>> = { vi: { ...vi, ...ticketsVi, ...careVi, ...privacyVi, ...callsVi }, en: { ...en, ...ticketsEn, ...careEn, ...privacyEn, ...callsEn } };
const storageKey = 'inbox.locale';

/** The language chosen last on this browser; Vietnamese unless the agent switched. */
export function initialLocale(): Locale {
  return localStorage.getItem(storageKey) === 'en' ? 'en' : 'vi';
}

export function saveLocale(locale: Locale): void {
  localStorage.setItem(storageKey, locale);
  document.documentElement.lang = locale;
}

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, params) => {
    const text = catalogue[key] ?? catalogues.vi[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
  };
}

export const I18nContext = createContext<{ locale: Locale; t: Translate; setLocale(locale: Locale): void }>({
  locale: 'vi',
  t: translator('vi'),
  setLocale: () => undefined,
});

export const useI18n = () => useContext(I18nContext);
