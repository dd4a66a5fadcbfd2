// Byte sizes: a plain integer (bytes) or a number with a unit (KB, MB, GB, KiB, MiB, GiB).
const unitBytes: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

export function parseSizeBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const unit = m[2].toLowerCase() || 'b';
  const mult = unitBytes[unit];
  return mult === undefined ? undefined : Math.round(Number(m[1]) * mult);
}

export const SIZE_HELP = 'a byte size such as 1048576, 512KiB, 64MiB or 1GB';
