import type * as React from 'react';
import { NavLink } from 'react-router';
import type { LucideIcon } from 'lucide-react';

import { useI18n } from '@/lib/i18n/i18n-provider';
import { cn } from '@/lib/utils';

import { ReconnectBanner } from './reconnect-banner';

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
}

function Logo() {
  return (
    <span
      aria-hidden="true"
      className="flex size-9 items-center justify-center rounded-lg bg-primary text-sm font-bold text-primary-foreground"
    >
      A
    </span>
  );
}

/**
 * Rail navigation on tablets and desktops, a bottom bar on phones. `hideMobileNav` frees
 * the bottom of the screen for the composer when a thread is open on a phone.
 */
export function AppShell({
  nav,
  userMenu,
  hideMobileNav = false,
  children,
}: {
  nav: NavItem[];
  userMenu: React.ReactNode;
  hideMobileNav?: boolean;
  children: React.ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div data-slot="app-shell" className="flex h-dvh flex-col md:flex-row">
      <nav
        aria-label={t('nav.main')}
        className="hidden w-16 shrink-0 flex-col items-center gap-2 border-r bg-sidebar py-3 text-sidebar-foreground md:flex"
      >
        <Logo />
        <ul className="mt-3 flex flex-1 flex-col items-center gap-1">
          {nav.map((item) => (
            <li key={item.to}>
              <NavLink
                to={item.to}
                aria-label={item.label}
                title={item.label}
                className={({ isActive }) =>
                  cn(
                    'flex size-10 items-center justify-center rounded-lg text-muted-foreground hover:bg-accent hover:text-accent-foreground focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none',
                    isActive && 'bg-accent text-accent-foreground',
                  )
                }
              >
                <item.icon className="size-5" aria-hidden="true" />
              </NavLink>
            </li>
          ))}
        </ul>
        {userMenu}
      </nav>

      <div className="flex min-h-0 min-w-0 flex-1 flex-col">
        <ReconnectBanner />
        <main className="flex min-h-0 flex-1 flex-col">{children}</main>
        <nav
          aria-label={t('nav.main')}
          className={cn('flex border-t bg-sidebar md:hidden', hideMobileNav && 'hidden')}
        >
          {nav.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              className={({ isActive }) =>
                cn(
                  'flex flex-1 flex-col items-center gap-0.5 py-2 text-[11px] text-muted-foreground focus-visible:bg-accent focus-visible:outline-none',
                  isActive && 'text-primary',
                )
              }
            >
              <item.icon className="size-5" aria-hidden="true" />
              {item.label}
            </NavLink>
          ))}
          <div className="flex flex-1 items-center justify-center">{userMenu}</div>
        </nav>
      </div>
    </div>
  );
}

export function PageHeader({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: React.ReactNode;
  children?: React.ReactNode;
}) {
  return (
    <header
      data-slot="page-header"
      className="flex flex-wrap items-center gap-3 border-b px-4 py-3"
    >
      <h1 className="text-lg font-semibold">{title}</h1>
      {children}
      {actions ? <div className="ml-auto flex items-center gap-2">{actions}</div> : null}
    </header>
  );
}
