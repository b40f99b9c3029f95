import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { Empty, EmptyTitle } from '@/components/ui/empty';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n/i18n-provider';

export default function NotFoundRoute() {
  const { t } = useI18n();
  return (
    <Empty>
      <EmptyTitle>{t('notFound.title')}</EmptyTitle>
      <Button asChild variant="outline">
        <Link to={paths.inbox()}>{t('notFound.back')}</Link>
      </Button>
    </Empty>
  );
}
