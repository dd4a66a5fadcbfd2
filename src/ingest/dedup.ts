// Remembers profile ids seen within a window so repeated deliveries between pyrelays are stored once.
// Bounded: the oldest ids are forgotten first when the cap is reached.
import type { Clock } from '../lib/clock.js';

export interface DedupWindow {
  /** True when `id` was already seen within the window; records it otherwise. */
  seen(id: string): boolean;
  /** Forgets `id` (the request that recorded it failed, so a retry must be accepted). */
  forget(id: string): void;
  size(): number;
}

export function createDedupWindow(opts: { clock: Clock; windowMs: number; maxEntries: number }): DedupWindow {
  const ids = new Map<string, number>(); // id -> first seen (insertion order = age order)
  const evict = (now: number) => {
    for (const [id, at] of ids) {
      if (now - at < opts.windowMs && ids.size <= opts.maxEntries) break;
      ids.delete(id);
    }
  };
  return {
    seen(id) {
      const now = opts.clock.now();
      evict(now);
      const at = ids.get(id);
      if (at !== undefined && now - at < opts.windowMs) return true;
      ids.set(id, now);
      return false;
    },
    forget: (id) => void ids.delete(id),
    size: () => ids.size,
  };
}
