import type { MouseEvent } from 'react';
import { Boundary } from './components/Boundary';
import { Comparison } from './pages/Comparison';
import { Diff } from './pages/Diff';
import { RemoteWrite } from './pages/RemoteWrite';
import { ScrapeTargets } from './pages/ScrapeTargets';
import { SingleView } from './pages/SingleView';
import { navigate, useLocation } from './router';

const PROFILE_PARAMS = ['query', 'from', 'until', 'leftQuery', 'leftFrom', 'leftUntil', 'rightQuery', 'rightFrom', 'rightUntil'];

const PAGES: { path: string; title: string; profile: boolean }[] = [
  { path: '/', title: 'Single view', profile: true },
  { path: '/comparison', title: 'Comparison', profile: true },
  { path: '/comparison-diff', title: 'Diff', profile: true },
  { path: '/remote-write', title: 'Remote write', profile: false },
  { path: '/scrape-targets', title: 'Scrape targets', profile: false },
];

export function App() {
  const { pathname, search } = useLocation();
  // The profile pages share app, tags and ranges: links between them carry those parameters along.
  const carried = new URLSearchParams();
  for (const k of PROFILE_PARAMS) {
    const v = search.get(k);
    if (v !== null) carried.set(k, v);
  }
  const href = (p: { path: string; profile: boolean }) => (p.profile && carried.size > 0 ? `${p.path}?${carried}` : p.path);
  const follow = (e: MouseEvent<HTMLAnchorElement>, to: string) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  const current = PAGES.find((p) => p.path === pathname);
  document.title = current ? `${current.title} · pyrelay` : 'pyrelay';
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">pyrelay</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={href(p)} aria-current={p.path === pathname ? 'page' : undefined} onClick={(e) => follow(e, href(p))}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {/* Keyed by page: an error on one page is cleared by going to another. */}
        <Boundary key={pathname} what="This page">
          {pathname === '/' ? <SingleView search={search} /> : null}
          {pathname === '/comparison' ? <Comparison search={search} /> : null}
          {pathname === '/comparison-diff' ? <Diff search={search} /> : null}
          {pathname === '/remote-write' ? <RemoteWrite /> : null}
          {pathname === '/scrape-targets' ? <ScrapeTargets /> : null}
          {current === undefined ? (
            <p className="empty" role="alert">
              No page at <code>{pathname}</code>.
            </p>
          ) : null}
        </Boundary>
      </main>
    </>
  );
}
