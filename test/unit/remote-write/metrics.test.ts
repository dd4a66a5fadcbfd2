import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deadlineIn, systemClock } from '../../../src/lib/clock.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import { startFakeTarget } from '../../helpers/fake-target.js';
import { item, target } from './fixtures.js';
import { captureLogger } from './log-capture.js';

describe('remote-write metrics (exact OG names, types and labels)', () => {
  it('exposes the six OG metrics with their labels, address redacted', async () => {
    const fake = await startFakeTarget();
    const registry = new Registry();
    const address = fake.url.replace('http://', 'http://user:pw@') + '/p';
    const rw = createRemoteWrite({
      targets: [target({ name: 'remote1', address, queueSize: 42, queueWorkers: 3 })],
      clock: systemClock,
      logger: captureLogger().logger,
      registry,
    });
    const it1 = item({ body: Buffer.from('a;b 1\n') });
    await rw.offer(it1);
    await fake.waitForRequests(1);
    await rw.stop(deadlineIn(systemClock, 2000));
    await fake.close();

    const json = await registry.getMetricsAsJSON();
    const byName = Object.fromEntries(json.map((m) => [m.name, m]));
    const redacted = fake.url.replace('http://', 'http://user:***@') + '/p';
    const q = { target_name: 'remote1', target_address: redacted };
    const c = { targetName: 'remote1', targetAddress: redacted };
    const expectations: [string, string, Record<string, string>][] = [
      ['pyroscope_remote_write_queue_capacity', 'gauge', q],
      ['pyroscope_remote_write_queue_pending', 'gauge', q],
      ['pyroscope_remote_write_queue_workers_total', 'gauge', q],
      ['pyroscope_remote_write_queue_dropped', 'counter', q],
      ['pyroscope_remote_write_client_sent_bytes', 'counter', c],
      ['pyroscope_remote_write_client_response_time', 'histogram', { ...c, code: '200' }],
    ];
    for (const [name, type, labels] of expectations) {
      expect(byName[name], name).toBeDefined();
      expect(byName[name].type, name).toBe(type);
      expect(
        byName[name].values.some(
          (v) =>
            JSON.stringify(
              Object.keys(v.labels)
                .filter((k) => k !== 'le')
                .sort(),
            ) === JSON.stringify(Object.keys(labels).sort()) && Object.entries(labels).every(([k, val]) => v.labels[k] === val),
        ),
        name,
      ).toBe(true);
    }
    const value = (name: string) => byName[name].values[0].value;
    expect(value('pyroscope_remote_write_queue_capacity')).toBe(42);
    expect(value('pyroscope_remote_write_queue_workers_total')).toBe(3);
    expect(value('pyroscope_remote_write_queue_pending')).toBe(0);
    expect(value('pyroscope_remote_write_client_sent_bytes')).toBe(it1.body.length);

    const text = await registry.metrics();
    expect(text).not.toContain(':pw@');
    expect(text).toContain('# TYPE pyroscope_remote_write_queue_dropped counter');
    expect(text).not.toContain('pyroscope_remote_write_queue_dropped_total');
    expect(text).not.toContain('pyroscope_remote_write_client_sent_bytes_total');
    const buckets = [...text.matchAll(/pyroscope_remote_write_client_response_time_bucket\{le="([^"]+)"/g)].map((m) => m[1]);
    expect(buckets).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('a second instance on the same registry reuses the metrics instead of throwing', async () => {
    const registry = new Registry();
    const deps = { targets: [target()], clock: systemClock, logger: captureLogger().logger, registry };
    const a = createRemoteWrite(deps);
    let b: ReturnType<typeof createRemoteWrite> | undefined;
    expect(() => (b = createRemoteWrite(deps))).not.toThrow();
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((n) => n === 'pyroscope_remote_write_queue_pending')).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
    await Promise.all([a.stop(deadlineIn(systemClock, 100)), b!.stop(deadlineIn(systemClock, 100))]);
  });
});
