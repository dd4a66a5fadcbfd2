// zod field builders for the config's unit-bearing values (durations like `10s`, sizes like `64MiB`), shared by
// every schema file so each key parses and reports errors the same way.
import { z } from 'zod';
import { DURATION_HELP, parseDurationMs } from './duration.js';
import { SIZE_HELP, parseSizeBytes } from './size.js';

export const duration = (def: string, desc: string) =>
  z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDurationMs(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)}: expected ${DURATION_HELP}` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(desc);

export const size = (def: string, desc: string) =>
  z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      const bytes = parseSizeBytes(v);
      if (bytes === undefined || bytes <= 0) {
        ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(v)}: expected ${SIZE_HELP}` });
        return z.NEVER;
      }
      return bytes;
    })
    .describe(desc);
