// Single view: `/?query=<app>{<matchers>}&from=now-1h&until=now`, the original's root page.
import { useEffect } from 'react';
import { api } from '../api';
import { AppPicker } from '../components/AppPicker';
import { ErrorBanner } from '../components/ErrorBanner';
import { Flamegraph } from '../components/Flamegraph';
import { ProfileSummary } from '../components/ProfileSummary';
import { TagFilter } from '../components/TagFilter';
import { Timeline } from '../components/Timeline';
import { TimeRange } from '../components/TimeRange';
import { useAsync } from '../hooks';
import { parseQuery, resolveTime, unixSeconds, withApp } from '../query';
import { navigate, setParams, urlWith } from '../router';
import { NoApps } from './NoApps';

export function SingleView({ search }: { search: URLSearchParams }) {
  const query = search.get('query') ?? search.get('name') ?? '';
  const from = search.get('from') || 'now-1h';
  const until = search.get('until') || 'now';
  const apps = useAsync((s) => api.apps(s), []);
  const appName = parseQuery(query).appName;

  // No app in the URL: show the first one, without a history entry (the original does the same).
  useEffect(() => {
    if (query === '' && apps.data && apps.data.length > 0) navigate(urlWith({ query: `${apps.data[0].name}{}` }), true);
  }, [query, apps.data]);

  const render = useAsync((s) => (query ? api.render(query, from, until, s) : Promise.resolve(undefined)), [query, from, until]);
  const now = Date.now();
  const md = render.data?.metadata;
  const fromMs = md ? md.startTime * 1000 : (resolveTime(from, now) ?? now - 3600_000);
  const untilMs = md ? md.endTime * 1000 : (resolveTime(until, now) ?? now);

  if (apps.data && apps.data.length === 0 && query === '') return <NoApps />;

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Single view</h1>
      <div className="toolbar">
        <AppPicker apps={apps.data ?? []} value={appName} onChange={(a) => setParams({ query: withApp(query, a) })} />
        <TagFilter query={query || `${appName}{}`} from={from} until={until} onChange={(q) => setParams({ query: q })} />
      </div>
      <ErrorBanner error={apps.error} what="Applications" />
      <TimeRange from={from} until={until} onChange={(f, u) => setParams({ from: f, until: u })} />
      <Timeline timeline={render.data?.timeline} fromMs={fromMs} untilMs={untilMs} onSelect={(f, u) => setParams({ from: unixSeconds(f), until: unixSeconds(u) })} />
      <ErrorBanner error={render.error} what="Profile" />
      {render.loading && !render.data ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : null}
      {render.data ? (
        render.data.flamebearer.numTicks === 0 ? (
          <p className="empty" role="status">
            No data in this range for <code>{query}</code>. Try a longer range or fewer tag filters.
          </p>
        ) : (
          <>
            <ProfileSummary profile={render.data} />
            <Flamegraph profile={render.data} />
          </>
        )
      ) : null}
    </section>
  );
}
