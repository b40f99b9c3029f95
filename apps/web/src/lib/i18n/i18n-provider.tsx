import * as React from 'react';

import { createFormatters, type Formatters } from './format';
import type { Locale, MessageKey } from './messages';
import { detectLocale, LOCALE_STORAGE_KEY, translate, type TranslateVars } from './translate';

interface I18nContextValue {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, vars?: TranslateVars) => string;
  fmt: Formatters;
}

const I18nContext = React.createContext<I18nContextValue | null>(null);

function readSaved(): string | null {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function I18nProvider({
  children,
  initialLocale,
}: {
  children: React.ReactNode;
  initialLocale?: Locale;
}) {
  const [locale, setLocaleState] = React.useState<Locale>(
    () => initialLocale ?? detectLocale(readSaved()),
  );

  React.useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const value = React.useMemo<I18nContextValue>(
    () => ({
      locale,
      setLocale(next) {
        try {
          localStorage.setItem(LOCALE_STORAGE_KEY, next);
        } catch {
          // Private mode: the choice lasts for this page only.
        }
        setLocaleState(next);
      },
      t: (key, vars) => translate(locale, key, vars),
      fmt: createFormatters(locale),
    }),
    [locale],
  );

  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18nContextValue {
  const ctx = React.use(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
