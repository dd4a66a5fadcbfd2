// The bench must measure the configuration users run: the node flags of `npm start` (package.json).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { PRODUCTION_NODE_FLAGS } from '../../../bench/lib/pyrelay.js';

it('bench servers run with the same node flags as npm start', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const options = /NODE_OPTIONS='([^']*)'/.exec(pkg.scripts.start)?.[1] ?? '';
  expect(options.split(/\s+/).filter(Boolean)).toEqual(PRODUCTION_NODE_FLAGS);
});
