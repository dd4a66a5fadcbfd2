// The README's edge → central pull-mode example must load as written (with the environment it names).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

describe('README pull-mode example', () => {
  it('loads, with the in-cluster environment for its kubernetes job', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Pull mode'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const dir = mkdtempSync(join(tmpdir(), 'pyrelay-readme-'));
    try {
      const file = join(dir, 'edge.yml');
      writeFileSync(file, yaml);
      const { config, warnings } = loadConfig({ file, env: { CENTRAL_TOKEN: 't', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, flags: {} });
      expect(warnings).toEqual([]);
      expect(config.scrape.jobs.map((j) => j.jobName)).toEqual(['static-apps', 'file-targets', 'kubernetes-pods']);
      expect(config.scrape.jobs[2].relabelConfigs).toHaveLength(9);
      expect(config.remoteWrite.targets[0].tags).toEqual({ cluster: 'eu-1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
