import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { createRateLimitedLog } from '../../../src/remote-write/rate-limited-log.js';
import { captureLogger } from './log-capture.js';

describe('rate-limited log', () => {
  it('logs the first event at once, then one summary per interval with a count', async () => {
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const log = createRateLimitedLog({ logger, clock, level: 'error', msg: 'failed', base: { remote_target: 't' }, intervalMs: 10_000 });
    log.event({ status: 500 });
    for (let i = 0; i < 99; i++) log.event({ status: 503 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'failed', remote_target: 't', status: 500, level: 50 });
    await clock.advance(10_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ status: 503, suppressed: 99, summary: true });
    // Quiet period: nothing more; the next event after the interval is logged at once.
    await clock.advance(20_000);
    log.event({ status: 502 });
    expect(lines).toHaveLength(3);
    expect(lines[2].suppressed).toBeUndefined();
    log.event({ status: 502 });
    log.close();
    expect(lines).toHaveLength(4);
    expect(lines[3].suppressed).toBe(1);
  });
});
