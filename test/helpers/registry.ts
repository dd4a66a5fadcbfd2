// Reads one sample of a prom-client registry (0 when absent), for tests that assert on metrics in-process.
import type { Registry } from 'prom-client';

export async function registryValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((s) => Object.entries(labels).every(([k, val]) => s.labels[k] === val));
  return v?.value ?? 0;
}
