// 24 hours of 10-second profiles through HTTP: /render over the whole day is exact and reads a logarithmic
// number of stored trees (reported by the store in the response's telemetry).
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

const DAY_START = 1_699_920_000; // aligned to 1000 s (and to 10 s)
const WRITES = 8640;

describe('a day of 10-second profiles', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const agent = new Agent({ connections: 8 });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < WRITES; i = next++) {
        const from = DAY_START + i * 10;
        const res = await request(`${server.url}/ingest?name=day.cpu{host=a}&from=${from}&until=${from + 10}`, {
          method: 'POST',
          body: 'main;work 2\nmain;idle 1\n',
          dispatcher: agent,
        });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`ingest ${i}: ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await agent.close();
    // Once the store's checkpoint reaches the last record (a flush every 2 s), every write is a stored tree, so
    // the renders below read segment trees and not the in-memory head (a fast ingest can end before a flush).
    while (metricValue(await server.metrics(), 'pyrelay_store_log_lag_records') > 0) await new Promise((r) => setTimeout(r, 50));
  }, 120_000);
  afterAll(async () => server?.stop());

  const render = async (from: number, until: number) => {
    const res = await fetch(`${server.url}/render?query=${encodeURIComponent('day.cpu{}')}&from=${from}&until=${until}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { flamebearer: { numTicks: number }; timeline: { samples: number[] }; telemetry: { treesRead: number } };
  };

  it('returns the exact total over 24 h from a logarithmic number of trees', async () => {
    const day = await render(DAY_START, DAY_START + WRITES * 10);
    expect(day.flamebearer.numTicks).toBe(WRITES * 3);
    expect(day.timeline.samples.reduce((a, b) => a + b, 0)).toBe(WRITES * 3);
    // A segment tree with 10x fan-out covers 8640 buckets with at most ~9 nodes per level over 5 levels.
    expect(day.telemetry.treesRead).toBeLessThanOrEqual(60);
    expect(day.telemetry.treesRead).toBeGreaterThan(0);
  });

  it('an hour in the middle of the day is exact too', async () => {
    const from = DAY_START + 7 * 3600 + 50; // deliberately not aligned to a coarse level
    const hour = await render(from, from + 3600);
    expect(hour.flamebearer.numTicks).toBe(360 * 3);
    expect(hour.telemetry.treesRead).toBeLessThanOrEqual(40);
  });
});
