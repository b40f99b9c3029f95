import * as React from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';

import { paths } from '@/config/paths';

import { FullPageSpinner } from './routes/full-page-spinner';

// Every route is its own chunk: the login page ships without the inbox, socket.io or
// the virtualizer.
const LoginRoute = React.lazy(() => import('./routes/login'));
const AppRoot = React.lazy(() => import('./routes/app-root'));
const InboxRoute = React.lazy(() => import('./routes/inbox'));
const InboxIndexRoute = React.lazy(() => import('./routes/inbox-index'));
const ConversationRoute = React.lazy(() => import('./routes/conversation'));
const DashboardRoute = React.lazy(() => import('./routes/dashboard'));
const SettingsRoute = React.lazy(() => import('./routes/settings/settings-layout'));
const UsersRoute = React.lazy(() => import('./routes/settings/users'));
const TeamsRoute = React.lazy(() => import('./routes/settings/teams'));
const NumbersRoute = React.lazy(() => import('./routes/settings/numbers'));
const QuickRepliesRoute = React.lazy(() => import('./routes/settings/quick-replies'));
const SimulatorRoute = React.lazy(() => import('./routes/simulator'));
const NotFoundRoute = React.lazy(() => import('./routes/not-found'));

function lazy(element: React.ReactNode, fallback: React.ReactNode = <FullPageSpinner />) {
  return <React.Suspense fallback={fallback}>{element}</React.Suspense>;
}

const router = createBrowserRouter([
  { path: '/login', element: lazy(<LoginRoute />) },
  {
    path: '/',
    element: lazy(<AppRoot />),
    children: [
      { index: true, element: <Navigate to={paths.home()} replace /> },
      {
        path: 'inbox',
        element: lazy(<InboxRoute />),
        children: [
          { index: true, element: lazy(<InboxIndexRoute />, null) },
          { path: ':conversationId', element: lazy(<ConversationRoute />, null) },
        ],
      },
      { path: 'dashboard', element: lazy(<DashboardRoute />) },
      {
        path: 'settings',
        element: lazy(<SettingsRoute />),
        children: [
          { index: true, element: <Navigate to={paths.settingsUsers()} replace /> },
          { path: 'users', element: lazy(<UsersRoute />, null) },
          { path: 'teams', element: lazy(<TeamsRoute />, null) },
          { path: 'numbers', element: lazy(<NumbersRoute />, null) },
          { path: 'quick-replies', element: lazy(<QuickRepliesRoute />, null) },
        ],
      },
      { path: 'simulator', element: lazy(<SimulatorRoute />) },
      { path: '*', element: lazy(<NotFoundRoute />) },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
