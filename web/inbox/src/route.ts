// Client routes under /inbox: the list, one conversation, the supervisors' queue, the admin
// screens, the supervisors' personal-data requests and the agent's own account.
import { useEffect, useState } from 'react';

export const adminSections = ['canned', 'labels', 'agents', 'teams', 'units', 'inboxes', 'hours', 'knowledge', 'proposals'] as const;
export type AdminSection = (typeof adminSections)[number];

export type Route =
  | { name: 'list' }
  | { name: 'conversation'; id: number }
  | { name: 'queue' }
  | { name: 'admin'; section: AdminSection }
  | { name: 'account' }
  | { name: 'tickets'; id: number | null }
  | { name: 'ticketPrint'; id: number }
  | { name: 'calls' }
  | { name: 'report' }
  | { name: 'care'; section: CareSection; id: number | null }
  | { name: 'privacy'; id: number | null };

export const careSections = ['queue', 'visits', 'campaigns', 'import', 'dossiers'] as const;
export type CareSection = (typeof careSections)[number];

export function parseRoute(pathname: string): Route {
  const conversation = /^\/inbox\/c\/(\d+)\/?$/.exec(pathname);
  if (conversation) return { name: 'conversation', id: Number(conversation[1]) };
  if (/^\/inbox\/queue\/?$/.test(pathname)) return { name: 'queue' };
  const printed = /^\/inbox\/tickets\/(\d+)\/print\/?$/.exec(pathname);
  if (printed) return { name: 'ticketPrint', id: Number(printed[1]) };
  const ticket = /^\/inbox\/tickets(?:\/(\d+))?\/?$/.exec(pathname);
  if (ticket) return { name: 'tickets', id: ticket[1] ? Number(ticket[1]) : null };
  if (/^\/inbox\/calls\/?$/.test(pathname)) return { name: 'calls' };
  if (/^\/inbox\/report\/?$/.test(pathname)) return { name: 'report' };
  if (/^\/inbox\/account\/?$/.test(pathname)) return { name: 'account' };
  const privacy = /^\/inbox\/privacy(?:\/(\d+))?\/?$/.exec(pathname);
  if (privacy) return { name: 'privacy', id: privacy[1] ? Number(privacy[1]) : null };
  const care = /^\/inbox\/care(?:\/([a-z]+)(?:\/(\d+))?)?\/?$/.exec(pathname);
  if (care) return { name: 'care', section: careSections.find((s) => s === care[1]) ?? 'queue', id: care[2] ? Number(care[2]) : null };
  const admin = /^\/inbox\/admin(?:\/([a-z]+))?\/?$/.exec(pathname);
  if (admin) {
    const section = adminSections.find((s) => s === admin[1]) ?? 'canned';
    return { name: 'admin', section };
  }
  return { name: 'list' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'conversation':
      return `/inbox/c/${route.id}`;
    case 'queue':
      return '/inbox/queue';
    case 'admin':
      return `/inbox/admin/${route.section}`;
    case 'account':
      return '/inbox/account';
    case 'tickets':
      return route.id === null ? '/inbox/tickets' : `/inbox/tickets/${route.id}`;
    case 'ticketPrint':
      return `/inbox/tickets/${route.id}/print`;
    case 'calls':
      return '/inbox/calls';
    case 'report':
      return '/inbox/report';
    case 'care':
      return `/inbox/care/${route.section}${route.id === null ? '' : `/${route.id}`}`;
    case 'privacy':
      return route.id === null ? '/inbox/privacy' : `/inbox/privacy/${route.id}`;
    case 'list':
      return '/inbox';
  }
}

export function navigate(route: Route): void {
  const path = pathOf(route);
  if (location.pathname !== path) history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}
