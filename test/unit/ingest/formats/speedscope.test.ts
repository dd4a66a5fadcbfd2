import { describe, expect, it } from 'vitest';
import { decodeSpeedscope, SPEEDSCOPE_SCHEMA } from '../../../../src/ingest/formats/speedscope.js';
import { PyrelayError } from '../../../../src/model/errors.js';
import type { DecodeInput } from '../../../../src/model/profile.js';
import { decodeInput } from '../../../helpers/decode-input.js';

const frames = [{ name: 'main' }, { name: 'work' }, { name: 'io' }];

function input(file: unknown, over: Partial<DecodeInput> = {}): DecodeInput {
  const body = new TextEncoder().encode(typeof file === 'string' ? file : JSON.stringify(file));
  return decodeInput(body, {
    contentType: 'application/json',
    key: { appName: 'app', labels: { env: 'x' } },
    sampleRateGiven: false,
    ...over,
    limits: { maxDecompressedBytes: 1e6, maxSeriesPerRequest: 10, maxLabelsPerSeries: 10, ...over.limits },
  });
}

const file = (...profiles: unknown[]) => ({ $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles });

const eventedProfile = (unit = 'milliseconds') => ({
  type: 'evented',
  name: 'p',
  unit,
  startValue: 0,
  endValue: 10,
  events: [
    { type: 'O', frame: 0, at: 0 },
    { type: 'O', frame: 1, at: 1.5 }, // main alone for 1.5
    { type: 'C', frame: 1, at: 4 }, // main;work for 2.5
    { type: 'O', frame: 2, at: 4 },
    { type: 'C', frame: 2, at: 4.25 }, // main;io for 0.25
    { type: 'C', frame: 0, at: 10 }, // main for 5.75
  ],
});

function err(i: DecodeInput): string {
  try {
    decodeSpeedscope(i);
  } catch (e) {
    expect(e).toBeInstanceOf(PyrelayError);
    expect((e as PyrelayError).status).toBe(422);
    return (e as PyrelayError).message;
  }
  throw new Error('expected a 422');
}

describe('speedscope evented', () => {
  it('scales time ×100 on both the open and the close path', () => {
    const [p] = decodeSpeedscope(input(file(eventedProfile())));
    expect(p.tree.toFoldedMap()).toEqual(
      new Map([
        ['main', 725],
        ['main;work', 250],
        ['main;io', 25],
      ]),
    );
    expect(p.key).toEqual({ appName: 'app', labels: { env: 'x' } });
    expect(p.metadata).toEqual({ spyName: 'unknown', sampleRate: 100_000, units: 'samples', aggregation: 'sum' });
  });

  it.each([
    [{ type: 'C', frame: 0, at: 1 }, /No stack to close at 1/],
    [{ type: 'X', frame: 0, at: 1 }, /Unknown event type "X"/],
    [{ type: 'O', frame: 3, at: 1 }, /events\[0\]\.frame: invalid frame index 3 \(3 frames\)/],
    [{ type: 'O', frame: -1, at: 1 }, /invalid frame index -1/],
    [{ type: 'O', frame: 0, at: -1 }, /Events out of order, -1 < 0/],
  ])('rejects %j', (ev, re) => {
    expect(err(input(file({ type: 'evented', unit: 'none', events: [ev] })))).toMatch(re);
  });

  it('rejects closing a frame that is not on top', () => {
    const events = [
      { type: 'O', frame: 0, at: 0 },
      { type: 'O', frame: 1, at: 1 },
      { type: 'C', frame: 0, at: 2 },
    ];
    expect(err(input(file({ type: 'evented', unit: 'none', events })))).toMatch(/profiles\[0\]\.events\[2\]: Closing non-open frame 0/);
  });
});

describe('speedscope sampled', () => {
  const sampledProfile = (unit: string) => ({
    type: 'sampled',
    unit,
    samples: [[0, 1], [0, 1, 2], [0, 1], []],
    weights: [1, 2.5, 3, 4],
  });

  it('sums weights per root-first stack, ×100 for time units, ×1 for bytes', () => {
    const [p] = decodeSpeedscope(input(file(sampledProfile('seconds'))));
    // The empty stack counts at the root only ('' in folded form).
    expect(p.tree.toFoldedMap()).toEqual(
      new Map([
        ['', 400],
        ['main;work', 400],
        ['main;work;io', 250],
      ]),
    );
    expect(p.tree.total).toBe(1050);
    const [b] = decodeSpeedscope(input(file(sampledProfile('bytes'))));
    expect(b.tree.toFoldedMap()).toEqual(
      new Map([
        ['', 4],
        ['main;work', 4],
        ['main;work;io', 3],
      ]),
    );
    expect(b.metadata).toMatchObject({ units: 'bytes', sampleRate: 0 });
  });

  it('rejects a negative weight naming it (it used to vanish), and sums past 2^53-1', () => {
    const neg = { ...sampledProfile('bytes'), weights: [1, -2, 3, 4] };
    expect(err(input(file(neg)))).toBe('speedscope: profiles[0].weights[1]: negative value -2');
    const huge = { ...sampledProfile('bytes'), weights: [2 ** 53 - 1, 1, 0, 0] };
    expect(err(input(file(huge)))).toBe('speedscope: profiles[0]: sum of sample values exceeds 2^53-1');
    // zero weights are fine
    expect(decodeSpeedscope(input(file({ ...sampledProfile('bytes'), weights: [0, 0, 0, 1] })))[0].tree.total).toBe(1);
  });

  it('names each profile <app>.<unit> when there are several', () => {
    const out = decodeSpeedscope(input(file(sampledProfile('nanoseconds'), sampledProfile('bytes'))));
    expect(out.map((p) => [p.key.appName, p.key.labels, p.metadata.units, p.metadata.sampleRate])).toEqual([
      ['app.nanoseconds', { env: 'x' }, 'samples', 100e9],
      ['app.bytes', { env: 'x' }, 'bytes', 0],
    ]);
  });

  it('keeps a sampleRate the client sent, even when it is exactly 100', () => {
    const [p] = decodeSpeedscope(input(file(sampledProfile('microseconds')), { sampleRate: 100, sampleRateGiven: true }));
    expect(p.metadata.sampleRate).toBe(100);
    const [q] = decodeSpeedscope(input(file(sampledProfile('microseconds'))));
    expect(q.metadata.sampleRate).toBe(1e8);
  });

  it.each([
    [{ type: 'sampled', unit: 'none', samples: [[3]], weights: [1] }, /samples\[0\]\[0\]: invalid frame index 3/],
    [{ type: 'sampled', unit: 'none', samples: [[0]], weights: [] }, /weights: has 0 entries but samples has 1/],
    [{ type: 'sampled', unit: 'none', samples: [[0]], weights: ['x'] }, /weights\[0\]: must be a finite number/],
    [{ type: 'sampled', unit: 'none', samples: [0], weights: [1] }, /samples\[0\]: must be an array/],
    [{ type: 'sampled', unit: 'furlongs', samples: [], weights: [] }, /unit: unknown unit "furlongs"/],
    [{ type: 'stacked', unit: 'none' }, /Profile type stacked not supported/],
    [{ type: 'sampled', unit: 'none', samples: [[0]], weights: [1e300] }, /weights\[0\]: value 1e\+300 is out of range/],
  ])('rejects %j', (profile, re) => {
    expect(err(input(file(profile)))).toMatch(re);
  });
});

describe('speedscope file', () => {
  it('checks the schema and the JSON', () => {
    expect(err(input({ $schema: 'nope', profiles: [] }))).toMatch(/\$schema: Unknown schema: nope/);
    expect(err(input('{"$schema": '))).toMatch(/speedscope: body: invalid JSON/);
    expect(err(input('[]'))).toMatch(/must be a JSON object/);
    expect(err(input({ $schema: SPEEDSCOPE_SCHEMA, shared: { frames: [{ name: 3 }] } }))).toMatch(/shared\.frames\[0\]\.name: must be a string/);
  });

  it('bounds the number of profiles by the series limit', () => {
    const many = file(...Array.from({ length: 11 }, () => ({ type: 'sampled', unit: 'none', samples: [], weights: [] })));
    expect(err(input(many))).toMatch(/11 profiles, more than the limit of 10 series/);
  });

  it('decodes an empty body and a file without profiles to nothing', () => {
    expect(decodeSpeedscope(input(''))).toEqual([]);
    expect(decodeSpeedscope(input(file()))).toEqual([]);
  });
});
