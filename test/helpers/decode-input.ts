// One DecodeInput builder for every decoder test; each suite overrides only what its format cares about.
import type { DecodeInput, DecodeLimits } from '../../src/model/profile.js';

export const TEST_LIMITS: DecodeLimits = { maxDecompressedBytes: 64 << 20, maxSeriesPerRequest: 1000, maxLabelsPerSeries: 32 };

export type DecodeInputOverrides = Partial<Omit<DecodeInput, 'limits'>> & { limits?: Partial<DecodeLimits> };

/** A string body is taken byte for byte (latin1); limits merge over TEST_LIMITS. */
export function decodeInput(body: Uint8Array | string, over: DecodeInputOverrides = {}): DecodeInput {
  const { limits, ...rest } = over;
  return {
    body: typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
    contentType: undefined,
    key: { appName: 'app', labels: {} },
    spyName: 'unknown',
    sampleRate: 100,
    sampleRateGiven: true,
    units: 'samples',
    aggregation: 'sum',
    ...rest,
    limits: { ...TEST_LIMITS, ...limits },
  };
}
