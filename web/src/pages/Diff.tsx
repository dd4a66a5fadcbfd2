// Diff: `/comparison-diff?…` (the comparison page's parameters), one flamegraph from /render-diff coloured by
// change: the library's own diff palette.
import { api } from '../api';
import { ComparisonControls } from '../components/ComparisonControls';
import { ErrorBanner } from '../components/ErrorBanner';
import { Flamegraph } from '../components/Flamegraph';
import { useAsync } from '../hooks';
import { comparisonParams, describeRange } from '../query';
import { formatValue } from '../format';
import { NoApps } from './NoApps';

export function Diff({ search }: { search: URLSearchParams }) {
  const apps = useAsync((s) => api.apps(s), []);
  const p = comparisonParams(search, Date.now(), apps.data?.[0] ? `${apps.data[0].name}{}` : '');
  const { leftQuery, leftFrom, leftUntil, rightQuery, rightFrom, rightUntil } = p;
  const diff = useAsync(
    (s) => (leftQuery && rightQuery ? api.renderDiff({ leftQuery, leftFrom, leftUntil, rightQuery, rightFrom, rightUntil, format: 'json' }, s) : Promise.resolve(undefined)),
    [leftQuery, leftFrom, leftUntil, rightQuery, rightFrom, rightUntil],
  );
  if (apps.data && apps.data.length === 0 && !p.query) return <NoApps />;
  const d = diff.data;
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Diff</h1>
      <ErrorBanner error={apps.error} what="Applications" />
      <ComparisonControls p={p} apps={apps.data ?? []} />
      <p className="summary">
        Baseline <code>{leftQuery}</code> {describeRange(leftFrom, leftUntil, Date.now())} against <code>{rightQuery}</code> {describeRange(rightFrom, rightUntil, Date.now())}
      </p>
      <ErrorBanner error={diff.error} what="Diff" />
      {diff.loading && !d ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : null}
      {d ? (
        (d.leftTicks ?? 0) === 0 && (d.rightTicks ?? 0) === 0 ? (
          <p className="empty" role="status">
            No data in either range.
          </p>
        ) : (
          <>
            <p className="summary">
              Baseline total <strong data-testid="left-ticks">{formatValue(d.leftTicks ?? 0, d.metadata.units, d.metadata.sampleRate)}</strong>, comparison total{' '}
              <strong data-testid="right-ticks">{formatValue(d.rightTicks ?? 0, d.metadata.units, d.metadata.sampleRate)}</strong>
            </p>
            <Flamegraph profile={d} testId="flamegraph-diff" />
          </>
        )
      ) : null}
    </section>
  );
}
