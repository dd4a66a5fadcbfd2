// Samples over time as bars; dragging across it selects a new range (one history entry per selection).
// Selections of the comparison pages are drawn as coloured bands.
import { useRef, useState } from 'react';
import type { Timeline as TimelineData } from '../api';
import { formatDate } from '../query';

export interface Band {
  fromMs: number;
  untilMs: number;
  className: string;
}

interface Props {
  timeline: TimelineData | null | undefined;
  /** The displayed range (unix ms); the timeline's own buckets may start earlier (alignment). */
  fromMs: number;
  untilMs: number;
  bands?: Band[];
  onSelect: (fromMs: number, untilMs: number) => void;
  label?: string;
  /** What a drag does, shown under the timeline. */
  hint?: string;
}

const HEIGHT = 64;

export function Timeline({ timeline, fromMs, untilMs, bands = [], onSelect, label = 'Timeline', hint = 'drag to zoom in' }: Props) {
  const ref = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ start: number; end: number } | undefined>();
  const span = Math.max(1, untilMs - fromMs);
  const samples = timeline?.samples ?? [];
  const step = (timeline?.durationDelta ?? 10) * 1000;
  const start = (timeline?.startTime ?? fromMs / 1000) * 1000;
  const max = Math.max(1, ...samples);
  const x = (ms: number) => ((ms - fromMs) / span) * 1000;
  const msAt = (clientX: number) => {
    const r = ref.current!.getBoundingClientRect();
    return fromMs + Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width))) * span;
  };
  const total = samples.reduce((a, b) => a + b, 0);

  return (
    <figure className="timeline">
      <svg
        ref={ref}
        role="img"
        aria-label={`${label}: ${total} in ${samples.length} intervals; drag to select a range, or use the arrow keys to move it and + or - to zoom`}
        viewBox={`0 0 1000 ${HEIGHT}`}
        preserveAspectRatio="none"
        data-testid="timeline"
        tabIndex={0}
        onKeyDown={(e) => {
          // Keyboard: arrows move the range by a quarter, + and - zoom in and out around its middle (docs/compatibility.md#60).
          const quarter = span / 4;
          const mid = fromMs + span / 2;
          const keys: Record<string, [number, number]> = {
            ArrowLeft: [fromMs - quarter, untilMs - quarter],
            ArrowRight: [fromMs + quarter, untilMs + quarter],
            '+': [mid - span / 4, mid + span / 4],
            '=': [mid - span / 4, mid + span / 4],
            '-': [mid - span, mid + span],
          };
          const next = keys[e.key];
          if (next === undefined) return;
          e.preventDefault();
          onSelect(next[0], next[1]);
        }}
        onPointerDown={(e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          const ms = msAt(e.clientX);
          setDrag({ start: ms, end: ms });
        }}
        onPointerMove={(e) => drag && setDrag({ ...drag, end: msAt(e.clientX) })}
        onPointerUp={() => {
          if (drag) {
            const a = Math.min(drag.start, drag.end);
            const b = Math.max(drag.start, drag.end);
            // A click (no real drag) is not a selection.
            if (b - a > span / 200) onSelect(a, b);
          }
          setDrag(undefined);
        }}
      >
        {samples.map((v, i) => {
          const t = start + i * step;
          if (v === 0 || t + step < fromMs || t > untilMs) return null;
          const h = (v / max) * (HEIGHT - 4);
          return <rect key={i} className="bar" x={x(t)} width={Math.max(3, x(t + step) - x(t) - 0.5)} y={HEIGHT - h} height={h} />;
        })}
        {bands.map((b, i) => (
          <rect key={`b${i}`} className={`band ${b.className}`} x={x(b.fromMs)} width={Math.max(2, x(b.untilMs) - x(b.fromMs))} y={0} height={HEIGHT} />
        ))}
        {drag ? <rect className="band dragging" x={x(Math.min(drag.start, drag.end))} width={Math.abs(x(drag.end) - x(drag.start))} y={0} height={HEIGHT} /> : null}
      </svg>
      <figcaption>
        <span>{formatDate(fromMs)}</span>
        {samples.length === 0 || total === 0 ? <span className="muted">no samples in this range</span> : <span className="muted">{hint}</span>}
        <span>{formatDate(untilMs)}</span>
      </figcaption>
    </figure>
  );
}
