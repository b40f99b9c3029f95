import { NavLink, Outlet } from 'react-router';

import { PageHeader } from '@/components/layout/app-shell';
import { paths } from '@/config/paths';
import { useCurrentUser } from '@/lib/auth';
import { can } from '@/lib/authorization';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';

export default function SettingsLayout() {
  const { t } = useI18n();
  const me = useCurrentUser();
  const tabs = [
    ...(can(me, 'users:read') ? [{ to: paths.settingsUsers(), label: t('settings.users') }] : []),
    { to: paths.settingsTeams(), label: t('settings.teams') },
    { to: paths.settingsNumbers(), label: t('settings.numbers') },
    { to: paths.settingsQuickReplies(), label: t('settings.quickReplies') },
  ];
  return (
    <div className="flex min-h-0 flex-1 flex-col overflow-y-auto">
      <PageHeader title={t('settings.title')} />
      <nav aria-label={t('settings.title')} className="flex gap-1 overflow-x-auto border-b px-4">
        {tabs.map((tab) => (
          <NavLink
            key={tab.to}
            to={tab.to}
            className={({ isActive }) =>
              cn(
                '-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-muted-foreground hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none',
                isActive && 'border-primary text-foreground',
              )
            }
          >
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <div className="mx-auto w-full max-w-6xl p-4">
        <Outlet />
      </div>
    </div>
  );
}
