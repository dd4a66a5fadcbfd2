// The production flag --max-semi-space-size (npm start) must not override a worker's own young generation limit.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it("a worker's resourceLimits.maxYoungGenerationSizeMb holds under --max-semi-space-size=64", () => {
  const main = fileURLToPath(new URL('../../fixtures/workers/young-gen-main.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', main], { encoding: 'utf8', timeout: 60_000 });
  // Without clearing the flag the worker's young generation reaches 128 MiB (two 64 MiB semi-spaces).
  expect(Number(out.trim())).toBeGreaterThan(0);
  expect(Number(out.trim())).toBeLessThanOrEqual(8);
}, 90_000);
