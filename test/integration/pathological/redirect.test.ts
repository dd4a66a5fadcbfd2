// A remote-write target that answers a redirect: the item is dropped with its own reason (`redirect`),
// the log names the Location with its credentials masked, and nothing is ever sent to the new location
// (undici does not follow redirects; this pins it, since following would carry the target's token).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createPyrelay, type Pyrelay } from '../../../src/main.js';
import { startFakeTarget, type FakeTarget } from '../../helpers/fake-target.js';
import { metricValue } from '../../helpers/server.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('remote-write redirects', () => {
  it.each([301, 302, 303, 307, 308])('%i: dropped as redirect, Location logged redacted, never followed', async (status) => {
    const elsewhere: FakeTarget = await startFakeTarget({ kind: 'status', status: 200 });
    cleanup.push(() => elsewhere.close());
    const location = `${elsewhere.url.replace('http://', 'http://thief:hunter2@')}/ingest?token=sekrit`;
    const target = await startFakeTarget({ kind: 'status', status, headers: { location } });
    cleanup.push(() => target.close());

    const dir = mkdtempSync(join(tmpdir(), 'pyrelay-redirect-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'server.yml');
    writeFileSync(
      file,
      stringify({
        'api-bind-addr': '127.0.0.1:0',
        'storage-path': join(dir, 'data'),
        'remote-write': { enabled: true, targets: { a: { address: target.url, 'auth-token': 'tok-123', durable: status % 2 === 0 } } },
      }),
    );
    const lines: string[] = [];
    const logger = createLogger('info', { write: (s: string) => void lines.push(s) });
    const pyrelay: Pyrelay = await createPyrelay(loadConfig({ file, env: {}, flags: {} }).config, { logger });
    const { url } = await pyrelay.start();
    cleanup.push(() => pyrelay.stop());

    const res = await fetch(`${url}/ingest?name=app.cpu`, { method: 'POST', body: 'a;b 1\n' });
    expect(res.status).toBe(200);
    await target.waitForRequests(1);
    const dropped = () =>
      fetch(`${url}/metrics`).then(async (r) =>
        metricValue(await r.text(), 'pyrelay_remote_write_dropped_total', `target_name="a",target_address="${target.url}",reason="redirect"`),
      );
    await waitFor(async () => (await dropped()) === 1);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metricValue(metrics, 'pyrelay_remote_write_send_failures_total', `target_name="a",target_address="${target.url}",reason="redirect"`)).toBe(1);
    expect(metricValue(metrics, 'pyrelay_remote_write_dropped_total', `target_name="a",target_address="${target.url}",reason="non_retryable"`)).toBe(0);
    // one attempt, not retried, and nothing reached the other origin
    expect(target.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);

    const log = lines.join('');
    expect(log).toContain(`Location ${elsewhere.url.replace('http://', 'http://thief:***@')}/ingest?token=***`);
    expect(log).not.toContain('hunter2');
    expect(log).not.toContain('sekrit');
    expect(log).not.toContain('tok-123');
  });
});
