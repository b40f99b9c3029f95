import * as React from 'react';
import { QueryClientProvider } from '@tanstack/react-query';

import { Toaster } from '@/components/ui/toaster';
import { TooltipProvider } from '@/components/ui/tooltip';
import { errorMessageKey } from '@/lib/errors';
import { I18nProvider, useI18n } from '@/lib/i18n/i18n-provider';
import type { MessageKey } from '@/lib/i18n/messages';
import { createQueryClient } from '@/lib/query-client';
import { ThemeProvider } from '@/lib/theme';
import { toast } from '@/lib/toast';

// The query client outlives locale switches; its error toasts use the current dictionary.
const errorTranslator: { t: ((key: MessageKey) => string) | null } = { t: null };

function QueryProvider({ children }: { children: React.ReactNode }) {
  const { t } = useI18n();
  React.useEffect(() => {
    errorTranslator.t = t;
  }, [t]);
  const [queryClient] = React.useState(() =>
    // Failed mutations get a toast chosen by error code (never by message text).
    createQueryClient((error) => {
      const key = errorMessageKey(error);
      toast({ title: errorTranslator.t?.(key) ?? key, variant: 'destructive' });
    }),
  );
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

function LocalizedToaster() {
  const { t } = useI18n();
  return <Toaster closeLabel={t('common.close')} />;
}

export function AppProvider({ children }: { children: React.ReactNode }) {
  return (
    <ThemeProvider>
      <I18nProvider>
        <QueryProvider>
          <TooltipProvider>
            {children}
            <LocalizedToaster />
          </TooltipProvider>
        </QueryProvider>
      </I18nProvider>
    </ThemeProvider>
  );
}
