// Scrape targets: GET /targets (pull mode) as a table with health and errors, refreshed every 5 s.
import { ApiError, api } from '../api';
import { ErrorBanner } from '../components/ErrorBanner';
import { usePolling } from '../hooks';

const REFRESH_MS = 5000;

interface ScrapeTarget {
  job?: string;
  url?: string;
  discoveredLabels?: Record<string, string>;
  labels?: Record<string, string>;
  health?: string;
  lastScrape?: string;
  lastError?: string;
  lastScrapeDuration?: string | number;
}

/** The original answers an array; accept a Prometheus-style `{activeTargets}` wrapper too. */
function entries(body: unknown): ScrapeTarget[] {
  if (Array.isArray(body)) return body as ScrapeTarget[];
  const o = body as { activeTargets?: unknown; targets?: unknown; data?: { activeTargets?: unknown } } | null;
  const list = o?.activeTargets ?? o?.targets ?? o?.data?.activeTargets;
  return Array.isArray(list) ? (list as ScrapeTarget[]) : [];
}

const labelList = (l: Record<string, string> | undefined) =>
  l && Object.keys(l).length > 0 ? (
    <ul className="labels">
      {Object.entries(l).map(([k, v]) => (
        <li key={k}>
          <code>
            {k}={JSON.stringify(v)}
          </code>
        </li>
      ))}
    </ul>
  ) : (
    <span className="muted">none</span>
  );

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function ScrapeTargets() {
  const res = usePolling((s) => api.scrapeTargets(s), REFRESH_MS);
  const notConfigured = res.error instanceof ApiError && res.error.status === 404;
  const list = entries(res.data);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Scrape targets</h1>
      {notConfigured ? (
        <p className="empty" data-testid="pull-off">
          Pull mode not configured: this server does not scrape any targets (add <code>scrape-configs</code> to the config).
        </p>
      ) : (
        <ErrorBanner error={res.error} what="Scrape targets" />
      )}
      {!notConfigured && res.data !== undefined && list.length === 0 ? <p className="empty">No scrape targets discovered.</p> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="data" data-testid="scrape-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">URL</th>
                <th scope="col">Health</th>
                <th scope="col">Labels</th>
                <th scope="col">Discovered labels</th>
                <th scope="col">Last scrape</th>
                <th scope="col">Duration</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t, i) => (
                <tr key={`${t.job}-${t.url}-${i}`}>
                  <td>{t.job}</td>
                  <td className="mono wrap">{t.url}</td>
                  <td>
                    <span className={`badge ${t.health === 'up' ? 'healthy' : t.health === 'down' ? 'failing' : 'retrying'}`}>{t.health ?? 'unknown'}</span>
                  </td>
                  <td>{labelList(t.labels)}</td>
                  <td>
                    <details>
                      <summary>{plural(Object.keys(t.discoveredLabels ?? {}).length, 'label')}</summary>
                      {labelList(t.discoveredLabels)}
                    </details>
                  </td>
                  <td>{t.lastScrape ?? '-'}</td>
                  <td>{t.lastScrapeDuration ?? '-'}</td>
                  <td className="mono wrap">{t.lastError || <span className="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
