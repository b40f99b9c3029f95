import * as React from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { io, type Socket } from 'socket.io-client';

import type { ServerEventName, ServerEventPayload, ServerToClientEvents } from '@/types/api';

import { api } from './api-client';

type ClientSocket = Socket<ServerToClientEvents, Record<string, never>>;
export type SocketStatus = 'idle' | 'connecting' | 'connected' | 'disconnected';

const AUTH_ERRORS = new Set(['token_expired', 'unauthorized']);
const MAX_AUTH_RETRIES = 3;

let socket: ClientSocket | null = null;
let status: SocketStatus = 'idle';
let connectedOnce = false;
let authRetries = 0;
const statusListeners = new Set<() => void>();
const reconnectListeners = new Set<() => void>();

function setStatus(next: SocketStatus) {
  if (status === next) return;
  status = next;
  for (const l of statusListeners) l();
}

function createSocket(): ClientSocket {
  const s: ClientSocket = io({
    path: '/socket.io',
    // WebSocket only: behind a balancer with several api processes, long-polling would
    // need sticky sessions.
    transports: ['websocket'],
    autoConnect: false,
    // A function, so each (re)connection presents the freshest access token.
    auth: (cb) => cb({ token: api.tokens.get()?.access_token ?? '' }),
    reconnectionDelayMax: 10_000,
  });

  s.on('connect', () => {
    authRetries = 0;
    setStatus('connected');
    if (connectedOnce) for (const l of reconnectListeners) l();
    connectedOnce = true;
  });

  s.on('disconnect', (reason) => {
    setStatus('disconnected');
    // A server-side kick is not retried by the client itself; the token may have expired.
    if (reason === 'io server disconnect') void recoverAuth();
  });

  s.on('connect_error', (error) => {
    setStatus('disconnected');
    if (AUTH_ERRORS.has(error.message)) void recoverAuth();
    // Other errors (network) are retried by socket.io's own backoff while `s.active`.
  });

  return s;
}

async function recoverAuth() {
  if (!socket || authRetries >= MAX_AUTH_RETRIES) return;
  authRetries += 1;
  try {
    if (await api.refresh()) socket.connect();
  } catch {
    // Network trouble while refreshing: try again shortly.
    setTimeout(() => void recoverAuth(), 3000 * authRetries);
  }
}

export function connectSocket() {
  if (!socket) socket = createSocket();
  if (!socket.connected && !socket.active) {
    setStatus('connecting');
    socket.connect();
  }
  return socket;
}

export function disconnectSocket() {
  if (!socket) return;
  socket.removeAllListeners();
  socket.disconnect();
  socket = null;
  connectedOnce = false;
  authRetries = 0;
  setStatus('idle');
}

export function onReconnect(listener: () => void) {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

export function useSocketStatus(): SocketStatus {
  return React.useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => status,
    () => status,
  );
}

/**
 * Keeps the single socket open while the user is logged in and, after a drop, invalidates
 * every query so what was missed while offline is fetched again.
 */
export function useRealtimeConnection(enabled: boolean) {
  const queryClient = useQueryClient();
  React.useEffect(() => {
    if (!enabled) return;
    connectSocket();
    const off = onReconnect(() => void queryClient.invalidateQueries());
    return () => {
      off();
      disconnectSocket();
    };
  }, [enabled, queryClient]);
}

/** Subscribe a feature hook to one server event; the latest handler is always used. */
export function useSocketEvent<E extends ServerEventName>(
  event: E,
  handler: (payload: ServerEventPayload<E>) => void,
) {
  const ref = React.useRef(handler);
  React.useLayoutEffect(() => {
    ref.current = handler;
  });
  React.useEffect(() => {
    const s = connectSocket();
    const listener = (payload: ServerEventPayload<E>) => ref.current(payload);
    // socket.io's typed emitter cannot relate a generic event name to its listener type.
    const on = s.on.bind(s) as (e: string, l: (p: ServerEventPayload<E>) => void) => void;
    const off = s.off.bind(s) as (e: string, l: (p: ServerEventPayload<E>) => void) => void;
    on(event, listener);
    return () => off(event, listener);
  }, [event]);
}

/** Call `fn` at most once per `ms`, trailing call included (for coarse invalidations). */
export function throttle(fn: () => void, ms: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const throttled = () => {
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0) {
      last = now;
      fn();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, wait);
    }
  };
  throttled.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return throttled;
}
