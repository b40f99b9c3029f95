import { useQuery } from '@tanstack/react-query';

import { Empty, EmptyTitle } from '@/components/ui/empty';
import { Skeleton } from '@/components/ui/skeleton';
import { numbersQueryOptions } from '@/features/numbers/api/numbers';
import { SimulatorForm } from '@/features/simulator/components/simulator-form';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { useI18n } from '@/lib/i18n/i18n-provider';

export default function SimulatorRoute() {
  const { t } = useI18n();
  const me = useCurrentUser();
  const numbers = useQuery(numbersQueryOptions());
  if (!can(me, 'simulator:use')) {
    return (
      <Empty>
        <EmptyTitle>{t('errors.forbidden')}</EmptyTitle>
      </Empty>
    );
  }
  return (
    <div className="flex-1 overflow-y-auto p-4">
      {numbers.isPending ? (
        <Skeleton className="h-80 max-w-xl rounded-xl" />
      ) : (
        <SimulatorForm numbers={(numbers.data?.items ?? []).filter((n) => n.simulated)} />
      )}
    </div>
  );
}
