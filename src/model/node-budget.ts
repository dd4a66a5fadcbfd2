// The per-request cap on call-tree nodes (ingest.max-nodes-per-request): decoders charge it for every node
// they create, so a request with millions of distinct stacks stops early instead of building its whole tree.
import { PyrelayError } from './errors.js';

export interface NodeBudget {
  /** Charges one new node (or one distinct stack on a validate-only path); throws 422 past the limit. */
  take(): void;
  /** Nodes charged so far. */
  readonly used: number;
  readonly limit: number;
}

export function createNodeBudget(limit: number): NodeBudget {
  let used = 0;
  return {
    take() {
      if (++used > limit) {
        throw new PyrelayError('too_many_nodes', `the profile has more than ${limit} distinct call-tree nodes (ingest.max-nodes-per-request)`);
      }
    },
    get used() {
      return used;
    },
    limit,
  };
}
