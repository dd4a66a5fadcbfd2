// Remote write: one row per target, refreshed every 2 s from GET /api/remote-write/targets.
import { api, type RemoteWriteTarget } from '../api';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatAge, formatBytes } from '../format';
import { usePolling } from '../hooks';

const REFRESH_MS = 2000;

const counts = (m: Record<string, number>) => {
  const e = Object.entries(m).filter(([, n]) => n > 0);
  return e.length === 0 ? <span className="muted">none</span> : e.map(([k, n]) => <div key={k}>{`${k}: ${n}`}</div>);
};

function ago(iso: string, now: number): string {
  return `${formatAge(Math.max(0, (now - Date.parse(iso)) / 1000))} ago`;
}

export function RemoteWrite() {
  const status = usePolling((s) => api.remoteWriteTargets(s), REFRESH_MS);
  const data = status.data;
  const now = status.updatedAt ?? Date.now();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Remote write</h1>
      <p className="muted">
        {status.updatedAt ? `Updated ${new Date(status.updatedAt).toLocaleTimeString()}, every ${REFRESH_MS / 1000} s` : 'Loading…'}
        {data && data.windowSeconds > 0 ? `; rates over the last ${data.windowSeconds} s` : ''}
      </p>
      <ErrorBanner error={status.error} what="Remote write status" />
      {data && !data.enabled ? (
        <p className="empty">
          Remote write is off. Add targets under <code>remote-write:</code> in the config to forward every ingested profile.
        </p>
      ) : null}
      {data && data.enabled && data.targets.length === 0 ? <p className="empty">Remote write is on but has no targets.</p> : null}
      {data && data.targets.length > 0 ? (
        <div className="table-wrap">
          <table className="data" data-testid="remote-write-table">
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">State</th>
                <th scope="col">Last error</th>
                <th scope="col">Pending</th>
                <th scope="col">Oldest pending</th>
                <th scope="col">Sent/s</th>
                <th scope="col">Sent</th>
                <th scope="col">Failures</th>
                <th scope="col">Drops</th>
              </tr>
            </thead>
            <tbody>
              {data.targets.map((t) => (
                <Row key={t.name} t={t} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function Row({ t, now }: { t: RemoteWriteTarget; now: number }) {
  return (
    <tr data-testid={`rw-${t.name}`}>
      <th scope="row">
        <div>{t.name}</div>
        <div className="muted mono">{t.address}</div>
        <div className="muted">{t.durable ? 'durable (on disk)' : 'memory only'}</div>
      </th>
      <td>
        <span className={`badge ${t.state}`} data-field="state">
          {t.state}
        </span>
        {t.consecutiveFailures > 0 ? <div className="muted">{t.consecutiveFailures} failed attempts in a row</div> : null}
        {t.lastSuccessAt ? <div className="muted">last success {ago(t.lastSuccessAt, now)}</div> : null}
      </td>
      <td data-field="last-error">
        {t.lastError ? (
          <>
            <div className="mono wrap">
              {t.lastError.reason}: {t.lastError.message}
            </div>
            <div className="muted">{ago(t.lastError.at, now)}</div>
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td>
        <span data-field="pending">{t.pending.items}</span> items
        {t.pending.bytes !== null ? <div className="muted">{formatBytes(t.pending.bytes)}</div> : null}
        {t.inFlight > 0 ? <div className="muted">{t.inFlight} in flight</div> : null}
      </td>
      <td>{t.pending.oldestAgeSeconds === null || t.pending.items === 0 ? <span className="muted">-</span> : formatAge(t.pending.oldestAgeSeconds)}</td>
      <td data-field="rate">
        {t.sentPerSecond}
        <div className="muted">{formatBytes(t.sentBytesPerSecond)}/s</div>
      </td>
      <td>
        {t.sent.profiles} profiles<div className="muted">{formatBytes(t.sent.bytes)}</div>
      </td>
      <td data-field="failures">{counts(t.failures)}</td>
      <td data-field="drops">{counts(t.drops)}</td>
    </tr>
  );
}
