import { createContext, useContext } from 'react';
import type { ChannelListing } from '../../../../src/contracts/channels.ts';
import { vi, type MessageKey as BaseKey } from './vi.ts';
import type { screensVi } from './screens.ts';

export type Locale = 'vi' | 'en';
export type MessageKey = BaseKey | keyof typeof screensVi;
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

// English is loaded when someone chooses it (loadLocale): the sign-in page of a Vietnamese
// hotline should not carry a second language's whole catalogue over a slow phone link.
const catalogues: Record<Locale, Partial<Record<MessageKey, string>>> = { vi: { ...vi }, en: {} };

let screens: Promise<void> | undefined;
/** The screens' texts (both languages), fetched once; a signed-in workspace waits for them. */
export function loadScreens(): Promise<void> {
  screens ??= import('./screens.ts').then(
    ({ screensVi, screensEn }) => {
      catalogues.vi = { ...catalogues.vi, ...screensVi };
      catalogues.en = { ...catalogues.en, ...screensEn };
    },
    (error: unknown) => {
      // A failed fetch (a network blip) is tried again by the next caller.
      screens = undefined;
      throw error;
    },
  );
  return screens;
}

/** Makes sure a language's catalogue is here before it is used (English comes on demand). */
export async function loadLocale(locale: Locale): Promise<void> {
  if (locale !== 'en' || 'app.loading' in catalogues.en) return;
  const { en } = await import('./en.ts');
  catalogues.en = { ...en, ...catalogues.en };
}
const storageKey = 'inbox.locale';

/** The language chosen last on this browser; Vietnamese unless the agent switched. */
export function initialLocale(): Locale {
  return localStorage.getItem(storageKey) === 'en' ? 'en' : 'vi';
}

export function saveLocale(locale: Locale): void {
  localStorage.setItem(storageKey, locale);
  document.documentElement.lang = locale;
}

/**
 * The catalogue of a language, with the names of the channels the server lists (`channel.<key>`):
 * each channel declares its names in its own folder, so the web app keeps no list of them.
 */
export function translator(locale: Locale, channels: readonly ChannelListing[] = []): Translate {
  const names: Record<string, string> = Object.fromEntries(channels.map((c) => [`channel.${c.key}`, c.names[locale]]));
  const catalogue: Record<string, string> = { ...catalogues[locale], ...names };
  return (key, params) => {
    const text = catalogue[key] ?? catalogues.vi[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
  };
}

export const I18nContext = createContext<{ locale: Locale; t: Translate; setLocale(locale: Locale): void; channels: readonly ChannelListing[] }>({
  locale: 'vi',
  t: translator('vi'),
  setLocale: () => undefined,
  channels: [],
});

export const useI18n = () => useContext(I18nContext);
