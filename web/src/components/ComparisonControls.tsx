// The controls both comparison pages share: app, shared tags, the overall range and its timeline, on which a
// drag selects the baseline (left) or comparison (right) range.
import { useState } from 'react';
import { api, type AppInfo } from '../api';
import { useAsync } from '../hooks';
import { resolveTime, unixSeconds, withApp, parseQuery, type ComparisonParams } from '../query';
import { setParams } from '../router';
import { AppPicker } from './AppPicker';
import { ErrorBanner } from './ErrorBanner';
import { TagFilter } from './TagFilter';
import { Timeline } from './Timeline';
import { TimeRange } from './TimeRange';

export function ComparisonControls({ p, apps }: { p: ComparisonParams; apps: AppInfo[] }) {
  const [side, setSide] = useState<'left' | 'right'>('left');
  const overview = useAsync((s) => (parseQuery(p.query).appName ? api.render(p.query, p.from, p.until, s) : Promise.resolve(undefined)), [p.query, p.from, p.until]);
  const now = Date.now();
  const md = overview.data?.metadata;
  const fromMs = md ? md.startTime * 1000 : (resolveTime(p.from, now) ?? now - 3600_000);
  const untilMs = md ? md.endTime * 1000 : (resolveTime(p.until, now) ?? now);
  const band = (f: string, u: string, className: string) => ({ fromMs: resolveTime(f, now) ?? fromMs, untilMs: resolveTime(u, now) ?? untilMs, className });
  // Changing the shared query resets both sides to it (their own tag filters start over; docs/compatibility.md#59).
  const setQuery = (q: string) => setParams({ query: q, leftQuery: undefined, rightQuery: undefined });
  return (
    <>
      <div className="toolbar">
        <AppPicker apps={apps} value={parseQuery(p.query).appName} onChange={(a) => setQuery(withApp(p.query, a))} />
        <TagFilter query={p.query} from={p.from} until={p.until} onChange={setQuery} idPrefix="shared-tag" />
      </div>
      <TimeRange
        from={p.from}
        until={p.until}
        onChange={(f, u) => setParams({ from: f, until: u, leftFrom: undefined, leftUntil: undefined, rightFrom: undefined, rightUntil: undefined })}
      />
      <div className="side-picker" role="radiogroup" aria-label="Range the timeline selects">
        <span>Drag on the timeline to set the</span>
        {(['left', 'right'] as const).map((s) => (
          <label key={s} className={`side-option ${s}`}>
            <input type="radio" name="side" value={s} checked={side === s} onChange={() => setSide(s)} />
            {s === 'left' ? 'baseline (left)' : 'comparison (right)'} range
          </label>
        ))}
      </div>
      <Timeline
        timeline={overview.data?.timeline}
        fromMs={fromMs}
        untilMs={untilMs}
        bands={[band(p.leftFrom, p.leftUntil, 'left'), band(p.rightFrom, p.rightUntil, 'right')]}
        onSelect={(f, u) => setParams(side === 'left' ? { leftFrom: unixSeconds(f), leftUntil: unixSeconds(u) } : { rightFrom: unixSeconds(f), rightUntil: unixSeconds(u) })}
        label="Timeline of the shared query"
        hint={`drag to set the ${side === 'left' ? 'baseline' : 'comparison'} range`}
      />
      <ErrorBanner error={overview.error} what="Timeline" />
    </>
  );
}
