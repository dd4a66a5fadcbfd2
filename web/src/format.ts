// Values in the profile's units for totals and tables: samples become CPU time through the sample rate,
// bytes get binary prefixes, objects and anything else get a plain count.

export function formatValue(value: number, units: string, sampleRate: number): string {
  switch (units) {
    case 'samples':
      return sampleRate > 0 ? formatSeconds(value / sampleRate) : `${formatCount(value)} samples`;
    case 'bytes':
      return formatBytes(value);
    case 'objects':
      return `${formatCount(value)} objects`;
    case 'goroutines':
      return `${formatCount(value)} goroutines`;
    case 'lock_samples':
      return `${formatCount(value)} lock samples`;
    case 'lock_nanoseconds':
      return formatSeconds(value / 1e9);
    default:
      return formatCount(value) + (units ? ` ${units}` : '');
  }
}

export function formatSeconds(s: number): string {
  if (s === 0) return '0 s';
  if (s < 0.001) return `${round(s * 1e6)} µs`;
  if (s < 1) return `${round(s * 1000)} ms`;
  if (s < 60) return `${round(s)} s`;
  if (s < 3600) return `${round(s / 60)} min`;
  if (s < 86_400) return `${round(s / 3600)} h`;
  return `${round(s / 86_400)} days`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : round(v)} ${units[i]}`;
}

export function formatCount(n: number): string {
  if (Math.abs(n) < 1000) return String(n);
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${round(v)}${units[i]}`;
}

/** Seconds as a short age: `45 s`, `3 min`, `2 h`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

const round = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100);
