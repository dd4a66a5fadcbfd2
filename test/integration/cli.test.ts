// The README's start command as a user runs it, and start-up failures that name what is wrong.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startChildServer } from '../helpers/child-server.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pyrelay-cli-'));

describe('pyrelay CLI', () => {
  it('`npm start` runs the server, which answers /healthz, ingests, and stops on SIGTERM', async () => {
    const dir = tmp();
    const server = await startChildServer(['--storage-path', join(dir, 'data')]);
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('server is ready');
      const ing = await fetch(`${server.url}/ingest?name=cli.app&from=1700000000&until=1700000010`, { method: 'POST', body: 'a;b 1\n' });
      expect(ing.status).toBe(200);
    } finally {
      await server.kill('SIGTERM');
    }
    // The server itself logged an orderly shutdown (npm's own exit status on a signal says nothing).
    expect(server.output.join('\n')).toContain('pyrelay stopped');
  });

  it('fails start-up with a message naming a bad key', async () => {
    const dir = tmp();
    const file = join(dir, 'server.yml');
    writeFileSync(file, 'retention: forever\nstorage-pth: /x\n');
    const { code, output } = await runCli(['server', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain('retention: invalid duration "forever"');
    expect(output).toContain('unknown key "storage-pth"');
  });

  it('--help lists the options', async () => {
    const { code, output } = await runCli(['server', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--config', '--api-bind-addr', '--storage-path', '--retention', '--remote-write.enabled']) expect(output).toContain(flag);
  });
});
