// Comparison: `/comparison?query=…&from=…&until=…&leftQuery=…&leftFrom=…&leftUntil=…&rightQuery=…&rightFrom=…&rightUntil=…`.
import { api, type RenderResponse } from '../api';
import { ComparisonControls } from '../components/ComparisonControls';
import { ErrorBanner } from '../components/ErrorBanner';
import { Flamegraph } from '../components/Flamegraph';
import { ProfileSummary } from '../components/ProfileSummary';
import { TagFilter } from '../components/TagFilter';
import { useAsync, type Async } from '../hooks';
import { comparisonParams, describeRange, type ComparisonParams } from '../query';
import { setParams } from '../router';
import { NoApps } from './NoApps';

export function Comparison({ search }: { search: URLSearchParams }) {
  const apps = useAsync((s) => api.apps(s), []);
  const p = comparisonParams(search, Date.now(), apps.data?.[0] ? `${apps.data[0].name}{}` : '');
  const left = useAsync((s) => (p.leftQuery ? api.render(p.leftQuery, p.leftFrom, p.leftUntil, s) : Promise.resolve(undefined)), [p.leftQuery, p.leftFrom, p.leftUntil]);
  const right = useAsync((s) => (p.rightQuery ? api.render(p.rightQuery, p.rightFrom, p.rightUntil, s) : Promise.resolve(undefined)), [p.rightQuery, p.rightFrom, p.rightUntil]);
  if (apps.data && apps.data.length === 0 && !p.query) return <NoApps />;
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Comparison</h1>
      <ErrorBanner error={apps.error} what="Applications" />
      <ComparisonControls p={p} apps={apps.data ?? []} />
      <div className="sides">
        <Side title="Baseline" which="left" p={p} data={left} />
        <Side title="Comparison" which="right" p={p} data={right} />
      </div>
    </section>
  );
}

function Side({ title, which, p, data }: { title: string; which: 'left' | 'right'; p: ComparisonParams; data: Async<RenderResponse | undefined> }) {
  const q = which === 'left' ? p.leftQuery : p.rightQuery;
  const from = which === 'left' ? p.leftFrom : p.rightFrom;
  const until = which === 'left' ? p.leftUntil : p.rightUntil;
  return (
    <div className={`side ${which}`} data-testid={`side-${which}`}>
      <h2>
        {title} <span className="muted">{describeRange(from, until, Date.now())}</span>
      </h2>
      <TagFilter query={q} from={from} until={until} onChange={(nq) => setParams({ [`${which}Query`]: nq })} idPrefix={`${which}-tag`} />
      <ErrorBanner error={data.error} what={title} />
      {data.loading && !data.data ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : null}
      {data.data ? (
        data.data.flamebearer.numTicks === 0 ? (
          <p className="empty" role="status">
            No data in this range.
          </p>
        ) : (
          <>
            <ProfileSummary profile={data.data} testId={`total-${which}`} />
            <Flamegraph profile={data.data} testId={`flamegraph-${which}`} />
          </>
        )
      ) : null}
    </div>
  );
}
