// Client routes under /inbox: the list, one conversation, the supervisors' queue.
import { useEffect, useState } from 'react';

export type Route = { name: 'list' } | { name: 'conversation'; id: number } | { name: 'queue' };

export function parseRoute(pathname: string): Route {
  const conversation = /^\/inbox\/c\/(\d+)\/?$/.exec(pathname);
  if (conversation) return { name: 'conversation', id: Number(conversation[1]) };
  if (/^\/inbox\/queue\/?$/.test(pathname)) return { name: 'queue' };
  return { name: 'list' };
}

export const pathOf = (route: Route) => (route.name === 'conversation' ? `/inbox/c/${route.id}` : route.name === 'queue' ? '/inbox/queue' : '/inbox');

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
