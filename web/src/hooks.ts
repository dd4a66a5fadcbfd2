// Data loading for pages: one request per change of its inputs, the previous one aborted, errors kept.
import { useEffect, useState } from 'react';

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<Async<T>>({ data: undefined, error: undefined, loading: true });
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: Error) => !ctl.signal.aborted && setState({ data: undefined, error, loading: false }),
    );
    return () => ctl.abort();
  }, deps);
  return state;
}

/** Re-runs `load` every `intervalMs` while the page is open; keeps the last good data beside a new error. */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Async<T> & { updatedAt: number | undefined } {
  const [state, setState] = useState<Async<T> & { updatedAt: number | undefined }>({ data: undefined, error: undefined, loading: true, updatedAt: undefined });
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      load(ctl.signal)
        .then(
          (data) => !ctl.signal.aborted && setState({ data, error: undefined, loading: false, updatedAt: Date.now() }),
          (error: Error) => !ctl.signal.aborted && setState((s) => ({ ...s, error, loading: false })),
        )
        .finally(() => {
          if (!ctl.signal.aborted) timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [intervalMs]);
  return state;
}
