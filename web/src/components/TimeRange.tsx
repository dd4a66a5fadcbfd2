// Time range: relative presets (the original's `now-1h` form) and absolute dates (unix seconds in the URL).
import { useEffect, useState } from 'react';
import { TIME_PRESETS, describeRange, fromLocalInput, resolveTime, toLocalInput, unixSeconds } from '../query';

export function TimeRange({ from, until, onChange, idPrefix = 'range' }: { from: string; until: string; onChange: (from: string, until: string) => void; idPrefix?: string }) {
  const now = Date.now();
  const [absFrom, setAbsFrom] = useState('');
  const [absUntil, setAbsUntil] = useState('');
  useEffect(() => {
    const f = resolveTime(from, Date.now());
    const u = resolveTime(until, Date.now());
    setAbsFrom(f === undefined ? '' : toLocalInput(f));
    setAbsUntil(u === undefined ? '' : toLocalInput(u));
  }, [from, until]);
  const f = fromLocalInput(absFrom);
  const u = fromLocalInput(absUntil);
  const valid = f !== undefined && u !== undefined && f < u;
  return (
    <fieldset className="time-range">
      <legend>
        Time range: <span data-testid="range-text">{describeRange(from, until, now)}</span>
      </legend>
      <div className="presets" role="group" aria-label="Relative ranges">
        {TIME_PRESETS.map((p) => (
          <button key={p.label} type="button" aria-pressed={from === p.from && until === 'now'} onClick={() => onChange(p.from, 'now')}>
            {p.label}
          </button>
        ))}
      </div>
      <form
        className="absolute"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) onChange(unixSeconds(f), unixSeconds(u));
        }}
      >
        <label className="field" htmlFor={`${idPrefix}-from`}>
          <span>From</span>
          <input id={`${idPrefix}-from`} type="datetime-local" step="1" value={absFrom} onChange={(e) => setAbsFrom(e.target.value)} />
        </label>
        <label className="field" htmlFor={`${idPrefix}-until`}>
          <span>Until</span>
          <input id={`${idPrefix}-until`} type="datetime-local" step="1" value={absUntil} onChange={(e) => setAbsUntil(e.target.value)} />
        </label>
        <button type="submit" disabled={!valid} title={valid ? undefined : 'From must be before until'}>
          Apply
        </button>
      </form>
    </fieldset>
  );
}
