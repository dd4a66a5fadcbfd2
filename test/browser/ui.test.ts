// The web UI end to end: Debian's chromium (playwright-core) against a real pyrelay child process with
// ingested data and a fake remote-write target. Screenshots of every page land in docs/screenshots/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { startFakeTarget, type FakeTarget } from '../helpers/fake-target.js';
import { buildWeb, launchBrowser, type Browser } from './browser.js';

// Every run takes them (into .tmp/, ignored); `npm run screenshots` refreshes the committed ones in docs/screenshots/.
const SHOTS = process.env.PYRELAY_SCREENSHOTS ?? new URL('../../.tmp/screenshots/', import.meta.url).pathname;
const NOW_S = Math.floor(Date.now() / 1000);
const EARLY = NOW_S - 40 * 60; // baseline window
const LATE = NOW_S - 10 * 60; // comparison window

let dir: string;
let server: ChildServer;
let target: FakeTarget;
let targetPort: number;
let browser: Browser;

async function ingest(name: string, body: string, fromS: number, extra: Record<string, string> = {}) {
  const qs = new URLSearchParams({ name, from: String(fromS), until: String(fromS + 10), spyName: 'gospy', sampleRate: '100', ...extra });
  const res = await fetch(`${server.url}/ingest?${qs}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  expect(res.status).toBe(200);
}

/** 8,192 distinct nodes: root, 63 modules, 8,128 functions under them. */
function bigProfile(): string {
  const lines: string[] = [];
  for (let i = 0; i < 8128; i++) lines.push(`mod_${i % 63};fn_${i} ${1 + (i % 7)}`);
  return lines.join('\n');
}

beforeAll(async () => {
  buildWeb();
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'pyrelay-ui-'));
  target = await startFakeTarget({ kind: 'status', status: 200 });
  targetPort = Number(new URL(target.url).port);
  const config = join(dir, 'server.yml');
  writeFileSync(
    config,
    [
      `storage-path: ${join(dir, 'data')}`,
      'log-level: info', // the helper waits for the "pyrelay started" line
      'max-nodes-serialization: 16384', // keep the big profile whole so /render truncates it to 8,192 nodes
      'remote-write:',
      '  enabled: true',
      '  targets:',
      '    central:',
      `      address: http://relay:s3cret@127.0.0.1:${targetPort}`,
      '      queue-workers: 1',
      '      min-backoff: 50ms',
      '      max-backoff: 200ms',
      '',
    ].join('\n'),
  );
  server = await startChildServer(['--config', config]);
  await ingest('shop.cpu{env=prod}', 'checkout;charge_card 100\ncheckout;render_page 50', EARLY);
  await ingest('shop.cpu{env=prod}', 'checkout;charge_card 300\ncheckout;render_page 50', LATE);
  await ingest('shop.cpu{env=dev}', 'checkout;render_page 200\nsearch;query_index 100', LATE);
  await ingest('big.cpu', bigProfile(), LATE);
  await ingest('mem.alloc_space', 'main;alloc_buffers 3145728\nmain;parse 1048576', LATE, { units: 'bytes', aggregation: 'sum' });
  await ingest('mem.alloc_objects', 'main;alloc_buffers 1500\nmain;parse 500', LATE, { units: 'objects', aggregation: 'sum' });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.kill();
  await target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** Text of the flamegraph table (frame names are painted on a canvas; the table has them as text). */
const tableText = (page: Page, scope = 'body') => page.locator(`${scope} table.flamegraph-table`).first().innerText();

describe('web UI in chromium', () => {
  it('single view draws the flamegraph of the app in the URL; a tag filter changes the total', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/?query=${encodeURIComponent('shop.cpu{}')}&from=now-1h&until=now`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('8 s');
    const table = await tableText(page);
    for (const frame of ['checkout', 'charge_card', 'render_page', 'query_index']) expect(table).toContain(frame);
    await expect.poll(() => page.locator('#app').inputValue()).toBe('shop.cpu');
    await shot(page, 'single-view');
    // Every view of the component's toolbar draws without errors, and search narrows the table.
    // GraphViz is hidden: the component's own view crashes outside the original app (see styles.css).
    expect(await page.locator('button[data-testid=graphviz]').isVisible()).toBe(false);
    for (const view of ['table', 'flamegraph', 'sandwich', 'both']) {
      await page.locator(`button[data-testid=${view}]`).click();
      await page.waitForTimeout(50); // a frame for the view to draw: errors would surface as page errors
    }
    // Tooltip in the profile's units (samples at 100 Hz shown as CPU time), click to focus, reset.
    const canvas = page.getByTestId('flamegraph-canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 8);
    const tooltip = page.locator('[data-testid=tooltip]:visible');
    await expect.poll(() => tooltip.count()).toBe(1);
    expect(await tooltip.innerText()).toMatch(/total[\s\S]*8(\.00)? seconds/);
    const reset = page.locator('button#reset');
    expect(await reset.isDisabled()).toBe(true);
    await page.mouse.click(box.x + 20, box.y + 52); // third row: charge_card
    await expect.poll(() => reset.isDisabled()).toBe(false);
    await reset.click();
    await expect.poll(() => reset.isDisabled()).toBe(true);
    await page.getByTestId('flamegraph-search').fill('charge');
    await expect.poll(() => page.locator('table.flamegraph-table tbody tr').count()).toBe(1);
    await page.getByTestId('flamegraph-search').fill('');
    await expect.poll(() => page.locator('table.flamegraph-table tbody tr').count()).toBe(6);

    await page.locator('#tag-label').selectOption('env');
    await expect.poll(() => page.locator('#tag-value option').allTextContents()).toEqual(['Select a value', 'dev', 'prod']);
    await page.locator('#tag-value').selectOption('prod');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('5 s');
    expect(new URL(page.url()).searchParams.get('query')).toBe('shop.cpu{env="prod"}');
    expect(await tableText(page)).not.toContain('query_index');
    // Back to the unfiltered view through history, as with the original's links.
    await page.goBack();
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('8 s');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('bytes and objects profiles show their units in the total and the tooltip', async () => {
    const { page, errors } = await browser.page();
    for (const [app, total, tip] of [
      ['mem.alloc_space', '4 MiB', /total[\s\S]*4(\.00)? MB/],
      ['mem.alloc_objects', '2K objects', /total[\s\S]*2(\.00)? K/],
    ] as const) {
      await page.goto(`${server.url}/?query=${encodeURIComponent(`${app}{}`)}&from=now-1h&until=now`);
      await expect.poll(() => page.getByTestId('total').textContent()).toBe(total);
      const box = (await page.getByTestId('flamegraph-canvas').boundingBox())!;
      await page.mouse.move(box.x + 20, box.y + 8);
      const tooltip = page.locator('[data-testid=tooltip]:visible');
      await expect.poll(() => tooltip.count()).toBe(1);
      const text = await tooltip.innerText();
      expect(text).toMatch(tip);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('first flamegraph of an 8,192-node profile is on screen quickly', async () => {
    const res = await fetch(`${server.url}/render?query=${encodeURIComponent('big.cpu{}')}&from=now-1h&until=now`);
    const { flamebearer } = (await res.json()) as { flamebearer: { levels: number[][] } };
    const nodes = flamebearer.levels.reduce((n, level) => n + level.length / 4, 0);
    expect(nodes).toBeGreaterThanOrEqual(8100);
    expect(nodes).toBeLessThanOrEqual(8192);
    const wall: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { page, errors } = await browser.page();
      // Main-thread CPU time: what the page costs, apart from waiting for a busy (shared) machine.
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const threadTime = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? 0) * 1000;
      const cpuBefore = await threadTime();
      await page.goto(`${server.url}/?query=${encodeURIComponent('big.cpu{}')}&from=now-1h&until=now`);
      await page.waitForFunction(() => (window.__pyrelayFlamegraphPaints?.length ?? 0) > 0, undefined, { timeout: 10_000 });
      wall.push(await page.evaluate(() => window.__pyrelayFlamegraphPaints![0]));
      busy.push((await threadTime()) - cpuBefore);
      // The table of such a large profile is one click away (it would cost seconds of layout up front).
      expect(await page.locator('table.flamegraph-table').count()).toBe(0);
      if (i === 0) {
        await page.getByRole('button', { name: 'Show the table' }).click();
        expect(await tableText(page)).toMatch(/\bfn_\d+\b/);
      }
      expect(errors).toEqual([]);
      await page.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const show = (xs: number[]) => `${xs.map(Math.round).join(', ')} (median ${Math.round(median(xs))})`;
    console.log(`first flamegraph of a ${nodes}-node profile: ms since navigation ${show(wall)}; main-thread CPU ms ${show(busy)}`);
    // The target is 1 s on an idle machine (see README); this bound only catches gross regressions (drawing the
    // whole table up front took 6 s here) without failing on a CI machine shared with other test files.
    expect(median(wall)).toBeLessThan(Number(process.env.PYRELAY_FIRST_PAINT_BUDGET_MS ?? 3000));
  });

  it('comparison shows two flamegraphs with their own ranges; diff renders from /render-diff', async () => {
    const { page, errors } = await browser.page();
    const params = new URLSearchParams({
      query: 'shop.cpu{env="prod"}',
      from: 'now-1h',
      until: 'now',
      leftFrom: String(EARLY - 60),
      leftUntil: String(EARLY + 60),
      rightFrom: String(LATE - 60),
      rightUntil: String(LATE + 60),
    });
    await page.goto(`${server.url}/comparison?${params}`);
    await expect.poll(() => page.getByTestId('total-left').textContent()).toBe('1.5 s');
    await expect.poll(() => page.getByTestId('total-right').textContent()).toBe('3.5 s');
    expect(await tableText(page, '[data-testid=side-left]')).toContain('charge_card');
    expect(await tableText(page, '[data-testid=side-right]')).toContain('charge_card');
    await shot(page, 'comparison');

    // The shared timeline sets the side picked: a drag over the last third moves only the comparison range.
    await page.getByLabel('comparison (right) range').check();
    const box = (await page.getByTestId('timeline').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.67, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.99, box.y + 10, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('rightFrom')).not.toBe(String(LATE - 60));
    expect(new URL(page.url()).searchParams.get('leftFrom')).toBe(String(EARLY - 60));
    // The late window (3.5 s of prod) is inside the new right range.
    await expect.poll(() => page.getByTestId('total-right').textContent()).toBe('3.5 s');
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('rightFrom')).toBe(String(LATE - 60));

    await page.getByRole('link', { name: 'Diff' }).click();
    await expect.poll(() => page.getByTestId('left-ticks').textContent()).toBe('1.5 s');
    await expect.poll(() => page.getByTestId('right-ticks').textContent()).toBe('3.5 s');
    expect(new URL(page.url()).pathname).toBe('/comparison-diff');
    expect(new URL(page.url()).searchParams.get('leftFrom')).toBe(String(EARLY - 60));
    await expect(page.getByTestId('flamegraph-diff').locator('canvas').first().isVisible()).resolves.toBe(true);
    expect(await tableText(page, '[data-testid=flamegraph-diff]')).toContain('charge_card');
    await shot(page, 'diff');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the timeline selects a new range by dragging', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/?query=${encodeURIComponent('shop.cpu{}')}&from=now-1h&until=now`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('8 s');
    const box = (await page.getByTestId('timeline').boundingBox())!;
    // Drag over the last quarter of the hour: only the late window (3 s + 0.5 s prod, 3 s dev) stays.
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('6.5 s');
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toMatch(/^\d{10}$/);
    expect(url.searchParams.get('until')).toMatch(/^\d{10}$/);
    // The keyboard does the same: - zooms out to twice the span around the same middle.
    const span = Number(url.searchParams.get('until')) - Number(url.searchParams.get('from'));
    await page.getByTestId('timeline').focus();
    await page.keyboard.press('-');
    await expect
      .poll(() => {
        const u = new URL(page.url()).searchParams;
        return Number(u.get('until')) - Number(u.get('from'));
      })
      .toBeGreaterThanOrEqual(2 * span - 2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a narrow window keeps every control reachable', async () => {
    const { page, errors } = await browser.page({ width: 420, height: 900 });
    await page.goto(`${server.url}/?query=${encodeURIComponent('shop.cpu{}')}&from=now-1h&until=now`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('8 s');
    // Nothing wider than the window but the flamegraph's own scroll area.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Keyboard: the app selector is reachable with Tab from the top of the page.
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'app');
    }
    expect(reached).toBe(true);
    await shot(page, 'single-view-narrow');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('remote write shows a down target failing with pending growing, then healthy with nothing pending', async () => {
    const { page, errors } = await browser.page();
    await target.close(); // down: connections refused
    await ingest('shop.cpu{env=prod}', 'checkout;charge_card 1', NOW_S - 60);
    await page.goto(`${server.url}/remote-write`);
    const row = page.getByTestId('rw-central');
    const pending = async () => Number(await row.locator('[data-field=pending]').textContent());
    await expect.poll(() => row.locator('[data-field=state]').textContent(), { timeout: 15_000 }).toBe('failing');
    const before = await pending();
    expect(before).toBeGreaterThanOrEqual(1);
    expect(await row.locator('[data-field=last-error]').textContent()).toMatch(/network: .*ECONNREFUSED/);
    await ingest('shop.cpu{env=prod}', 'checkout;charge_card 1', NOW_S - 50);
    await ingest('shop.cpu{env=prod}', 'checkout;charge_card 1', NOW_S - 40);
    await expect.poll(pending, { timeout: 15_000 }).toBe(before + 2);
    expect(await row.textContent()).not.toContain('s3cret');
    await shot(page, 'remote-write-failing');

    target = await startFakeTarget({ kind: 'status', status: 200 }, { port: targetPort });
    await expect.poll(() => row.locator('[data-field=state]').textContent(), { timeout: 15_000 }).toBe('healthy');
    await expect.poll(pending, { timeout: 15_000 }).toBe(0);
    await target.waitForRequests(before + 2);
    await shot(page, 'remote-write');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('empty states and API errors are shown, never a blank page', async () => {
    const { page, errors } = await browser.page();
    // A range without data.
    await page.goto(`${server.url}/?query=${encodeURIComponent('shop.cpu{}')}&from=now-7d&until=now-6d`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'No data in this range' }).count()).toBe(1);
    // A query the server refuses: its own message is shown.
    await page.goto(`${server.url}/?query=${encodeURIComponent('shop.cpu{env=')}&from=now-1h&until=now`);
    const alert = page.getByRole('alert').filter({ hasText: 'Profile' });
    await expect.poll(() => alert.count()).toBe(1);
    expect(await alert.textContent()).toMatch(/\/render: 400 /);
    // The browser logs the refused request itself; nothing else may be logged.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    // A server without apps (stubbed: this one has data) tells how to send the first profile.
    await page.route('**/api/apps', (r) => r.fulfill({ json: [] }));
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole('heading', { name: 'No apps yet' }).count()).toBe(1);
    expect(await page.locator('pre').textContent()).toContain(`${server.url}/ingest?name=`);
    await page.close();
  });

  it('scrape targets render as a table with health and errors (stubbed /targets in the original shape)', async () => {
    const { page, errors } = await browser.page();
    await page.route('**/targets', (r) =>
      r.fulfill({
        json: [
          {
            job: 'pods',
            url: 'http://10.0.0.1:6060/debug/pprof/profile',
            discoveredLabels: { __address__: '10.0.0.1:6060' },
            labels: { service_name: 'api' },
            health: 'up',
            lastScrape: '2026-11-30T19:00:00Z',
            lastError: '',
            lastScrapeDuration: '12ms',
          },
          {
            job: 'pods',
            url: 'http://10.0.0.2:6060/debug/pprof/profile',
            discoveredLabels: { __address__: '10.0.0.2:6060' },
            labels: { service_name: 'db' },
            health: 'down',
            lastScrape: '2026-11-30T19:00:01Z',
            lastError: 'server returned HTTP status 500',
            lastScrapeDuration: '3ms',
          },
        ],
      }),
    );
    await page.goto(`${server.url}/scrape-targets`);
    const rows = page.getByTestId('scrape-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('up');
    expect(await rows.nth(1).textContent()).toContain('server returned HTTP status 500');
    expect(await rows.nth(1).locator('.badge').getAttribute('class')).toContain('failing');
    await shot(page, 'scrape-targets-table');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('scrape targets page shows the pull-mode state without errors', async () => {
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}/scrape-targets`);
    await expect.poll(async () => (await page.locator('[data-testid=pull-off], [data-testid=scrape-table], .empty').count()) > 0).toBe(true);
    await shot(page, 'scrape-targets');
    // A 404 from /targets (no pull mode) is expected here, and the page says so instead of logging it.
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await page.close();
  });
});
