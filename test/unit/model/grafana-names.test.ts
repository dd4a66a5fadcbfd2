import { describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import {
  fromGrafanaLabels,
  profileTypeId,
  profileTypeOfSuffix,
  profileTypeOfUnits,
  sentProfileType,
  splitAppName,
  suffixesOf,
  toGrafanaLabels,
} from '../../../src/model/grafana-names.js';

describe('pyrelay names -> Grafana', () => {
  it.each([
    ['app.cpu', 'app', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'],
    ['app.itimer', 'app', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'],
    ['app.wall', 'app', 'wall:wall:nanoseconds:wall:nanoseconds'],
    ['my.app.inuse_space', 'my.app', 'memory:inuse_space:bytes:inuse_space:bytes'],
    ['app.alloc_objects', 'app', 'memory:alloc_objects:count:alloc_objects:count'],
    ['app.goroutines', 'app', 'goroutine:goroutines:count:goroutines:count'],
    ['app.mutex_duration', 'app', 'mutex:delay:nanoseconds:delay:nanoseconds'],
    ['app.block_count', 'app', 'block:contentions:count:contentions:count'],
    ['app.lock_duration', 'app', 'block:delay:nanoseconds:delay:nanoseconds'],
    ['app.alloc_in_new_tlab_bytes', 'app', 'memory:alloc_in_new_tlab_bytes:bytes:alloc_in_new_tlab_bytes:bytes'],
    ['app.exceptions', 'app', 'exceptions:samples:count:samples:count'],
    ['app.seconds', 'app', 'wall:wall:nanoseconds:wall:nanoseconds'],
    ['app.bytes', 'app', 'memory:samples:bytes:samples:bytes'],
  ])('%s -> service %s, %s', (appName, service, id) => {
    const { serviceName, suffix } = splitAppName(appName);
    expect(serviceName).toBe(service);
    expect(profileTypeId(profileTypeOfSuffix(suffix!)!)).toBe(id);
  });

  it('keeps a name without a known suffix whole and types it by its units', () => {
    expect(splitAppName('my.app')).toEqual({ serviceName: 'my.app', suffix: undefined });
    expect(splitAppName('app')).toEqual({ serviceName: 'app', suffix: undefined });
    expect(profileTypeOfUnits('samples', 'sum').name).toBe('process_cpu');
    expect(profileTypeOfUnits('bytes', 'average').sample.type).toBe('inuse_space');
    expect(profileTypeOfUnits('objects', 'sum').sample.type).toBe('alloc_objects');
    expect(profileTypeOfUnits('lock_nanoseconds', 'sum').sample.type).toBe('delay');
  });

  it('sends sampled time without a sample rate as plain sample counts', () => {
    expect(profileTypeId(sentProfileType(profileTypeOfSuffix('cpu')!, 0))).toBe('process_cpu:samples:count:samples:count');
    expect(profileTypeId(sentProfileType(profileTypeOfSuffix('cpu')!, 100))).toBe('process_cpu:cpu:nanoseconds:cpu:nanoseconds');
  });

  it('makes labels: sorted, Prometheus-valid names, reserved ones dropped, service_name tag kept with app_name', () => {
    expect(toGrafanaLabels({ 'k8s.pod': 'p1', env: 'prod', __x: 'no', empty: '' }, 'process_cpu', { serviceName: 'app', spyName: 'gospy' })).toEqual([
      { name: '__delta__', value: 'false' },
      { name: '__name__', value: 'process_cpu' },
      { name: 'env', value: 'prod' },
      { name: 'k8s_pod', value: 'p1' },
      { name: 'pyroscope_spy', value: 'gospy' },
      { name: 'service_name', value: 'app' },
    ]);
    const withService = toGrafanaLabels({ service_name: 'svc' }, 'memory', { serviceName: 'app' });
    expect(withService).toContainEqual({ name: 'service_name', value: 'svc' });
    expect(withService).toContainEqual({ name: 'app_name', value: 'app' });
  });
});

describe('Grafana labels -> pyrelay names', () => {
  const pairs = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));

  it('uses service_name as the app, other labels as tags, drops reserved ones', () => {
    const r = fromGrafanaLabels(pairs({ service_name: 'checkout', __name__: 'memory', __delta__: 'false', env: 'prod', 'pod.id': 'x' }));
    expect(r.profileName).toBe('memory');
    expect(r.key).toEqual({ appName: 'checkout', labels: { env: 'prod', 'pod.id': 'x' } });
  });

  it.each([
    [{ __name__: 'process_cpu' }, /service name is not provided/],
    [{ service_name: 'a', __name__: 'gpu' }, /unknown profile type "gpu"/],
    [{ service_name: 'a' }, /profile type is not provided/],
    [{ service_name: 'a b', __name__: 'wall' }, /invalid application name/],
    [{ service_name: 'a', __name__: 'wall', 'bad-key': 'v' }, /invalid tag key: bad-key/],
    [{ service_name: 'a'.repeat(2000), __name__: 'wall' }, /service_name: application name is 2000 characters long, longer than anything stored/],
    [{ service_name: 'a', __name__: 'wall', k: 'v'.repeat(5000) }, /labels: k: tag value is 5000 bytes long/],
    [{ service_name: 'a', __name__: 'wall', ['k'.repeat(300)]: 'v' }, /tag key is 300 characters long/],
  ])('refuses %j with a 400', (labels, message) => {
    try {
      fromGrafanaLabels(pairs(labels));
      expect.unreachable();
    } catch (e) {
      expect(isPyrelayError(e) && e.status).toBe(400);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('lists the suffixes each profile name covers (for the querier)', () => {
    expect(suffixesOf('process_cpu')).toEqual(['cpu', 'itimer']);
    expect(suffixesOf('block')).toEqual(['block_count', 'block_duration', 'lock_count', 'lock_duration']);
  });
});
