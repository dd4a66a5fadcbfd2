// The multi-resolution time index as pure arithmetic (OG `segment`): level 0 nodes are 10 s
// buckets, each level is x10 coarser. Writes spread over every level; reads pick the coarsest fully
// covered nodes. All times here are Unix seconds, aligned to 10 s.

export const RESOLUTION_S = 10;
export const MULTIPLIER = 10;

/** Seconds covered by one node at `level`. */
export const levelDuration = (level: number): number => RESOLUTION_S * MULTIPLIER ** level;

export interface AlignedRange {
  st: number;
  et: number;
}

/**
 * OG `normalize`: start aligned down to 10 s; end aligned up, and an empty range becomes one bucket.
 * Input in Unix milliseconds.
 */
export function alignRange(startMs: number, endMs: number): AlignedRange {
  const st = Math.floor(startMs / 10_000) * RESOLUTION_S;
  const etDown = Math.floor(endMs / 10_000) * RESOLUTION_S;
  const et = etDown * 1000 === endMs && etDown > st ? etDown : etDown + RESOLUTION_S;
  return { st, et: Math.max(et, st + RESOLUTION_S) };
}

export interface WriteTarget {
  level: number;
  /** Node start, Unix seconds. */
  t: number;
  /** Share of the written profile that falls into this node (overlap / write duration). */
  ratio: number;
}

/** Every node a write over [st, et) touches, at every level up to `maxLevel`. */
export function writeTargets(range: AlignedRange, maxLevel: number): WriteTarget[] {
  const { st, et } = range;
  const span = et - st;
  const out: WriteTarget[] = [];
  for (let level = 0; level <= maxLevel; level++) {
    const d = levelDuration(level);
    for (let t = Math.floor(st / d) * d; t < et; t += d) {
      const overlap = Math.min(t + d, et) - Math.max(t, st);
      if (overlap > 0) out.push({ level, t, ratio: overlap / span });
    }
  }
  return out;
}

export interface NodeRef {
  level: number;
  t: number;
}

/**
 * The canonical cover of [st, et): walking left to right, take the coarsest node that starts here and
 * fits. At most 2 x (multiplier - 1) nodes per level plus the whole top-level nodes: O(log n).
 */
export function readCover(range: AlignedRange, maxLevel: number): NodeRef[] {
  const out: NodeRef[] = [];
  let t = range.st;
  while (t < range.et) {
    let level = 0;
    while (level < maxLevel) {
      const d = levelDuration(level + 1);
      if (t % d !== 0 || t + d > range.et) break;
      level++;
    }
    out.push({ level, t });
    t += levelDuration(level);
  }
  return out;
}

/**
 * the largest 10 s x 10^k strictly below (et - st) / 1024, else 10 s; capped at the
 * coarsest stored level because the timeline is built from stored node totals.
 */
export function timelineLevel(range: AlignedRange, maxLevel: number): number {
  const min = (range.et - range.st) / 1024;
  let level = 0;
  for (let k = 1; k <= maxLevel; k++) if (levelDuration(k) < min) level = k;
  return level;
}
