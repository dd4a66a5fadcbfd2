// The server's JSON API as the UI uses it. Every failure becomes an ApiError whose message is what the
// server said (its text body or `{"errors":[...]}`), so pages can show it instead of a blank.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

declare global {
  interface Window {
    /** The first /render request, started by index.html before the bundle runs. */
    __pyrelayPrefetch?: { url: string; response: Promise<Response> };
  }
}

/** The prefetched response for `url`, once: later requests (and other URLs) go to the network. */
function takePrefetch(url: string): Promise<Response> | undefined {
  const p = window.__pyrelayPrefetch;
  if (p === undefined || p.url !== url) return undefined;
  window.__pyrelayPrefetch = undefined;
  return p.response;
}

async function getJson<T>(path: string, params: Record<string, string | undefined>, signal?: AbortSignal): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, v);
  const url = qs.size > 0 ? `${path}?${qs}` : path;
  let res: Response;
  try {
    res = await (takePrefetch(url) ?? fetch(url, { signal, headers: { accept: 'application/json' } }));
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${(e as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.trim();
    try {
      const body = JSON.parse(text) as { errors?: string[]; error?: string; message?: string };
      message = body.errors?.join('; ') ?? body.error ?? body.message ?? message;
    } catch {
      /* a text body */
    }
    throw new ApiError(res.status, `${path}: ${res.status} ${message || res.statusText}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, `${path}: the answer is not JSON`);
  }
}

export interface AppInfo {
  name: string;
  spyName?: string;
  sampleRate?: number;
  units?: string;
}

export interface Timeline {
  startTime: number;
  samples: number[];
  durationDelta: number;
}

export interface RenderMetadata {
  format: 'single' | 'double';
  spyName: string;
  sampleRate: number;
  units: string;
  name: string;
  appName: string;
  startTime: number;
  endTime: number;
  query: string;
  maxNodes: number;
}

export interface Flamebearer {
  names: string[];
  levels: number[][];
  numTicks: number;
  maxSelf: number;
}

export interface RenderResponse {
  version: 1;
  flamebearer: Flamebearer;
  metadata: RenderMetadata;
  timeline: Timeline | null;
  leftTicks?: number;
  rightTicks?: number;
}

export const api = {
  apps: (signal?: AbortSignal) => getJson<AppInfo[]>('/api/apps', {}, signal),
  labels: (query: string, from: string, until: string, signal?: AbortSignal) => getJson<string[]>('/labels', { query, from, until }, signal),
  labelValues: (label: string, query: string, from: string, until: string, signal?: AbortSignal) => getJson<string[]>('/label-values', { label, query, from, until }, signal),
  render: (query: string, from: string, until: string, signal?: AbortSignal) => getJson<RenderResponse>('/render', { query, from, until, format: 'json' }, signal),
  renderDiff: (p: Record<string, string>, signal?: AbortSignal) => getJson<RenderResponse>('/render-diff', p, signal),
  remoteWriteTargets: (signal?: AbortSignal) => getJson<RemoteWriteTargets>('/api/remote-write/targets', {}, signal),
  scrapeTargets: (signal?: AbortSignal) => getJson<unknown>('/targets', {}, signal),
};

export interface RemoteWriteTarget {
  name: string;
  address: string;
  durable: boolean;
  state: 'healthy' | 'retrying' | 'failing';
  consecutiveFailures: number;
  lastError: { reason: string; message: string; at: string } | null;
  lastSuccessAt: string | null;
  pending: { items: number; bytes: number | null; oldestAgeSeconds: number | null };
  inFlight: number;
  sentPerSecond: number;
  sentBytesPerSecond: number;
  sent: { profiles: number; bytes: number };
  failures: Record<string, number>;
  drops: Record<string, number>;
}

export interface RemoteWriteTargets {
  enabled: boolean;
  windowSeconds: number;
  targets: RemoteWriteTarget[];
}
