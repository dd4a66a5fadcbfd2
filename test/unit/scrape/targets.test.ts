// Discovered groups -> targets: defaults, relabeling, ports, meta labels, per-target profile overrides.
import { describe, expect, it } from 'vitest';
import { toScrapeJob } from '../../../src/config/scrape-config.js';
import { scrapeJobSchema } from '../../../src/config/scrape-schema.js';
import { createRelabeler } from '../../../src/scrape/relabel.js';
import { buildTargets, type TargetGroup } from '../../../src/scrape/targets.js';

const job = (raw: Record<string, unknown>) => toScrapeJob(scrapeJobSchema.parse({ 'job-name': 'j', ...raw }));
const build = (raw: Record<string, unknown>, groups: TargetGroup[]) => {
  const j = job(raw);
  return buildTargets(groups, j, createRelabeler(j.relabelConfigs));
};
const group = (targets: string[], labels: Record<string, string> = {}): TargetGroup => ({ source: 'g', targets: targets.map((t) => ({ __address__: t })), labels });

describe('buildTargets', () => {
  it('makes one target per enabled profile with the original default paths and a clamped cpu seconds', () => {
    const { targets } = build({ 'scrape-interval': '5s' }, [group(['app:6060'], { __name__: 'shop', env: 'prod' })]);
    expect(targets.map((t) => t.url).sort()).toEqual(['http://app:6060/debug/pprof/heap', 'http://app:6060/debug/pprof/profile?seconds=5']);
    const cpu = targets.find((t) => t.profileName === 'cpu')!;
    expect(cpu.labels).toEqual({
      __address__: 'app:6060',
      __name__: 'shop',
      __scheme__: 'http',
      __scrape_interval__: '5s',
      __scrape_timeout__: '15s',
      env: 'prod',
      instance: 'app:6060',
      job: 'j',
    });
    expect(cpu.appName).toBe('shop');
    expect(cpu.spyName).toBe('scrape');
  });

  it('adds the scheme default port and refuses paths in addresses', () => {
    const r = build({ scheme: 'https', 'enabled-profiles': ['mem'] }, [group(['host', 'bad/x:1'], { __name__: 'a' })]);
    expect(r.targets.map((t) => t.url)).toEqual(['https://host:443/debug/pprof/heap']);
    expect(r.invalid.map((i) => i.error)).toEqual(['"bad/x:1" is not a valid hostname']);
  });

  it('reports a target without an app name as invalid ("no app name")', () => {
    const r = build({}, [group(['a:1'])]);
    expect(r.targets).toEqual([]);
    expect(r.invalid).toHaveLength(1);
    expect(r.invalid[0].error).toBe('no app name');
  });

  it('honours __profile_<name>_enabled and __profile_<name>_path, and __param_ labels', () => {
    const r = build({ 'enabled-profiles': ['cpu'], 'scrape-interval': '10s' }, [
      group(['a:1'], { __name__: 'x', __profile_cpu_enabled: 'false', __profile_goroutines_enabled: 'true', __profile_goroutines_path: '/custom/goroutine', __param_debug: '0' }),
    ]);
    expect(r.targets.map((t) => t.url)).toEqual(['http://a:1/custom/goroutine?debug=0']);
  });

  it('drops __meta_ labels after relabeling; relabeling can set the app name and drop targets', () => {
    const r = build(
      {
        'relabel-configs': [
          { action: 'keep', 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_scrape'], regex: 'true' },
          { 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_application_name'], 'target-label': '__name__' },
        ],
        'enabled-profiles': ['mem'],
      },
      [
        {
          source: 'p1',
          targets: [{ __address__: '10.0.0.1:6060' }],
          labels: { __meta_kubernetes_pod_annotation_pyroscope_io_scrape: 'true', __meta_kubernetes_pod_annotation_pyroscope_io_application_name: 'svc' },
        },
        { source: 'p2', targets: [{ __address__: '10.0.0.2:6060' }], labels: { __meta_kubernetes_pod_annotation_pyroscope_io_scrape: 'false' } },
      ],
    );
    expect(r.dropped).toBe(1);
    expect(r.targets).toHaveLength(1);
    expect(r.targets[0].labels).toEqual({
      __address__: '10.0.0.1:6060',
      __name__: 'svc',
      __scheme__: 'http',
      __scrape_interval__: '10s',
      __scrape_timeout__: '15s',
      instance: '10.0.0.1:6060',
      job: 'j',
    });
    expect(r.targets[0].discoveredLabels.__meta_kubernetes_pod_annotation_pyroscope_io_scrape).toBe('true');
  });

  it('use-delta-profiles reads godeltaprof endpoints with nothing cumulative', () => {
    const r = build({ 'use-delta-profiles': true, 'enabled-profiles': ['mem', 'mutex', 'block'] }, [group(['a:1'], { __name__: 'x' })]);
    expect(r.targets.map((t) => new URL(t.url).pathname).sort()).toEqual(['/debug/pprof/delta_block', '/debug/pprof/delta_heap', '/debug/pprof/delta_mutex']);
    for (const t of r.targets) expect(Object.values(t.profile.sampleTypes).some((s) => s.cumulative)).toBe(false);
  });

  it('keys are stable for the same target and differ when labels change', () => {
    const a = build({}, [group(['a:1'], { __name__: 'x' })]).targets.map((t) => t.key);
    const b = build({}, [group(['a:1'], { __name__: 'x' })]).targets.map((t) => t.key);
    const c = build({}, [group(['a:1'], { __name__: 'x', env: 'y' })]).targets.map((t) => t.key);
    expect(a).toEqual(b);
    expect(a.some((k) => c.includes(k))).toBe(false);
  });
});
