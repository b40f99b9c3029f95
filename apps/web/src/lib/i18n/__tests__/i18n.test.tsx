import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { createFormatters } from '@/lib/i18n/format';
import { I18nProvider, useI18n } from '@/lib/i18n/i18n-provider';
import { dictionaries } from '@/lib/i18n/messages';
import { detectLocale, LOCALE_STORAGE_KEY, translate } from '@/lib/i18n/translate';

function Probe() {
  const { t, locale, setLocale, fmt } = useI18n();
  return (
    <div>
      <p>{t('inbox.tab.unassigned')}</p>
      <p data-testid="number">{fmt.number(1234.5)}</p>
      <button onClick={() => setLocale(locale === 'en' ? 'pt-BR' : 'en')}>switch</button>
    </div>
  );
}

describe('i18n', () => {
  it('switches language live and keeps the choice', async () => {
    render(
      <I18nProvider initialLocale="pt-BR">
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByText('Não atribuídas')).toBeInTheDocument();
    expect(screen.getByTestId('number')).toHaveTextContent('1.234,5');

    await userEvent.click(screen.getByRole('button', { name: 'switch' }));

    expect(screen.getByText('Unassigned')).toBeInTheDocument();
    expect(screen.getByTestId('number')).toHaveTextContent('1,234.5');
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });

  it('picks the saved language first, then the browser languages', () => {
    expect(detectLocale('en', ['pt-BR'])).toBe('en');
    expect(detectLocale(null, ['pt-PT', 'en'])).toBe('pt-BR');
    expect(detectLocale(null, ['en-GB'])).toBe('en');
    expect(detectLocale('xx', ['de-DE'])).toBe('pt-BR');
  });

  it('interpolates variables', () => {
    expect(translate('en', 'inbox.unread', { count: 3 })).toBe('3 unread');
    expect(translate('pt-BR', 'inbox.unread', { count: 3 })).toBe('3 não lidas');
  });

  it('has the same keys in every dictionary', () => {
    expect(Object.keys(dictionaries.en).sort()).toEqual(Object.keys(dictionaries['pt-BR']).sort());
  });

  it('formats durations and dates per locale', () => {
    const pt = createFormatters('pt-BR', 'UTC');
    const en = createFormatters('en', 'UTC');
    expect(pt.duration(125 * 60)).toMatch(/2\s?h 5\s?min/);
    expect(en.date('2026-03-10T12:00:00Z')).toBe('03/10/2026');
    expect(pt.date('2026-03-10T12:00:00Z')).toBe('10/03/2026');
  });
});
