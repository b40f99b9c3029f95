import type { Locale } from './messages';

// Intl formatters are relatively costly to build; cache them per locale and options.
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f as T;
}

export function createFormatters(locale: Locale, timeZone?: string) {
  const tzKey = timeZone ?? '';
  const dtf = (name: string, options: Intl.DateTimeFormatOptions) =>
    cached(
      `dt:${locale}:${tzKey}:${name}`,
      () => new Intl.DateTimeFormat(locale, { ...options, timeZone }),
    );

  const number = (value: number, options?: Intl.NumberFormatOptions) =>
    cached(
      `n:${locale}:${JSON.stringify(options ?? {})}`,
      () => new Intl.NumberFormat(locale, options),
    ).format(value);

  return {
    number,
    time(iso: string | Date) {
      return dtf('time', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
    },
    hour(iso: string | Date) {
      return dtf('hour', { hour: '2-digit' }).format(new Date(iso));
    },
    date(iso: string | Date) {
      return dtf('date', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(
        new Date(iso),
      );
    },
    longDate(iso: string | Date) {
      return dtf('longDate', { weekday: 'long', day: 'numeric', month: 'long' }).format(
        new Date(iso),
      );
    },
    dateTime(iso: string | Date) {
      return dtf('dateTime', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
    },
    shortDay(iso: string | Date) {
      return dtf('shortDay', { day: '2-digit', month: 'short' }).format(new Date(iso));
    },
    weekday(iso: string | Date) {
      return dtf('weekday', { weekday: 'short' }).format(new Date(iso));
    },
    /** A duration such as "4 min", "2 h 5 min", "3 d". */
    duration(totalSeconds: number) {
      const s = Math.max(0, Math.round(totalSeconds));
      const unit = (value: number, u: 'second' | 'minute' | 'hour' | 'day') =>
        number(value, { style: 'unit', unit: u, unitDisplay: 'narrow' });
      if (s < 60) return unit(s, 'second');
      const m = Math.floor(s / 60);
      if (m < 60) return unit(m, 'minute');
      const h = Math.floor(m / 60);
      if (h < 24) return m % 60 ? `${unit(h, 'hour')} ${unit(m % 60, 'minute')}` : unit(h, 'hour');
      const d = Math.floor(h / 24);
      return h % 24 ? `${unit(d, 'day')} ${unit(h % 24, 'hour')}` : unit(d, 'day');
    },
    /** "3 min ago" / "in 2 h" from now, rounded to the largest sensible unit. */
    relative(iso: string | Date, now: number = Date.now()) {
      const rtf = cached(
        `rt:${locale}`,
        () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' }),
      );
      const diff = (new Date(iso).getTime() - now) / 1000;
      const abs = Math.abs(diff);
      if (abs < 60) return rtf.format(0, 'second');
      if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
      if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
      return rtf.format(Math.round(diff / 86400), 'day');
    },
  };
}

export type Formatters = ReturnType<typeof createFormatters>;
