// Remembers profile ids seen within a window so repeated deliveries between pyrelays are stored once.
// Bounded: the oldest ids are forgotten first when the cap is reached.
import type { Clock } from '../lib/clock.js';

/** One request's hold on an id: commit once it is stored (later copies are duplicates), abort if it failed. */
export interface DedupClaim {
  commit(): void;
  abort(): void;
}

export interface DedupWindow {
  /**
   * 'duplicate' when `id` was committed within the window. While another request holds the id, waits for
   * its outcome first: an upstream that timed out and retried must not get 200 for a copy that then fails.
   */
  claim(id: string): Promise<DedupClaim | 'duplicate'>;
}

export function createDedupWindow(opts: { clock: Clock; windowMs: number; maxEntries: number }): DedupWindow {
  const ids = new Map<string, number>(); // id -> first seen (insertion order = age order)
  const holding = new Map<string, Promise<void>>();
  const evict = (now: number) => {
    for (const [id, at] of ids) {
      if (now - at < opts.windowMs && ids.size <= opts.maxEntries) break;
      ids.delete(id);
    }
  };
  const recent = (id: string, now: number) => {
    evict(now);
    const at = ids.get(id);
    return at !== undefined && now - at < opts.windowMs;
  };
  return {
    async claim(id) {
      for (let held = holding.get(id); held !== undefined; held = holding.get(id)) await held;
      if (recent(id, opts.clock.now())) return 'duplicate';
      let release!: () => void;
      holding.set(id, new Promise<void>((r) => (release = r)));
      let open = true;
      const end = (commit: boolean) => {
        if (!open) return;
        open = false;
        if (commit) {
          ids.delete(id); // re-insert at the young end
          ids.set(id, opts.clock.now());
        }
        holding.delete(id);
        release();
      };
      return { commit: () => end(true), abort: () => end(false) };
    },
  };
}
