// The original's flamegraph component (flamegraph, sortable table, search, focus, reset, tooltips in the
// profile's units) around /render and /render-diff JSON as the server sends it.
import { FlamegraphRenderer } from '@pyroscope/flamegraph';
import { useEffect, useRef, useState } from 'react';
import type { RenderResponse } from '../api';
import { Boundary } from './Boundary';

declare global {
  interface Window {
    /** Milliseconds since navigation start at which each flamegraph was first painted (read by the browser tests). */
    __pyrelayFlamegraphPaints?: number[];
  }
}

/**
 * Past this many distinct frame names the table (one DOM row each, laid out at once by the library) takes
 * seconds on a slow machine, so such profiles open as a flamegraph alone and the table is one click away
 * (docs/compatibility.md#57).
 */
export const TABLE_ROWS_AT_ONCE = 2000;

/** Below this width the table and the flamegraph are stacked instead of side by side. */
const SIDE_BY_SIDE_MIN_PX = 1000;

/** Whether the element is narrower than `px` (follows resizes). */
function useNarrow(px: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [narrow, setNarrow] = useState(() => window.innerWidth < px);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => setNarrow(e.contentRect.width < px));
    ro.observe(el);
    return () => ro.disconnect();
  }, [px]);
  return { ref, narrow };
}

export function Flamegraph({ profile, testId }: { profile: RenderResponse; testId?: string }) {
  const { ref, narrow } = useNarrow(SIDE_BY_SIDE_MIN_PX);
  const orientation = narrow ? 'vertical' : 'horizontal';
  const large = profile.flamebearer.names.length > TABLE_ROWS_AT_ONCE;
  const [withTable, setWithTable] = useState(!large);
  useEffect(() => setWithTable(!large), [large]);
  useEffect(() => {
    // The frame after the commit is the one that shows the canvas.
    const id = requestAnimationFrame(() => (window.__pyrelayFlamegraphPaints ??= []).push(performance.now()));
    return () => cancelAnimationFrame(id);
  }, [profile]);
  return (
    <div className="flamegraph" data-testid={testId ?? 'profile-flamegraph'} ref={ref}>
      {large ? (
        <p className="muted">
          {profile.flamebearer.names.length.toLocaleString('en-US')} functions.{' '}
          <button type="button" onClick={() => setWithTable(!withTable)} aria-pressed={withTable}>
            {withTable ? 'Hide the table' : 'Show the table'}
          </button>{' '}
          {withTable ? null : 'It is off at first so the flamegraph draws fast.'}
        </p>
      ) : null}
      <Boundary what="Drawing the flamegraph">
        {/* The library's types come from its own models package; the JSON is the same shape. A view fixed by
            onlyDisplay hides the library's view switch, so the large-profile case remounts (key) to change it; the
            orientation is read once at mount, so a change of width remounts too. */}
        {withTable ? (
          <FlamegraphRenderer key={`both-${orientation}`} profile={profile as never} showCredit={false} showToolbar colorMode="light" panesOrientation={orientation} />
        ) : (
          <FlamegraphRenderer key="flamegraph" profile={profile as never} showCredit={false} showToolbar colorMode="light" onlyDisplay="flamegraph" />
        )}
      </Boundary>
    </div>
  );
}
