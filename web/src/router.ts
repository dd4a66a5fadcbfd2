// A tiny history router: pages are chosen by pathname, their state lives in the query string, and links
// push history entries so the back button and bookmarks work as in the original.
import { useEffect, useState } from 'react';

const EVENT = 'pyrelay:navigate';

export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(EVENT));
}

export function useLocation(): { pathname: string; search: URLSearchParams } {
  const [loc, setLoc] = useState(() => ({ pathname: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setLoc({ pathname: location.pathname, search: location.search });
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return { pathname: loc.pathname.replace(/\/+$/, '') || '/', search: new URLSearchParams(loc.search) };
}

/** The current URL with `changes` applied (undefined removes a parameter), on `pathname` if given. */
export function urlWith(changes: Record<string, string | undefined>, pathname = location.pathname): string {
  const s = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) s.delete(k);
    else s.set(k, v);
  }
  const qs = s.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/** Updates the query string of the current page (one history entry per change). */
export function setParams(changes: Record<string, string | undefined>): void {
  navigate(urlWith(changes));
}
