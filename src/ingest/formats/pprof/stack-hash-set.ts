// The distinct stacks a validate-only decode charges to the node budget, as their two 32-bit hash lanes
// (sample-walker.ts) in an open-addressing table: adding one allocates nothing, where a Set of 53-bit numbers
// boxes every key. Both lanes are kept whole, so it never merges more stacks than the 53-bit key did.
export class StackHashSet {
  private lane1: Int32Array;
  private lane2: Int32Array;
  private used: Uint8Array;
  private shift: number;
  private count = 0;

  /** `expected`: about how many keys will come (the samples), so the table rarely grows. */
  constructor(expected = 0) {
    let bits = 10;
    while (bits < 20 && 1 << bits < expected * 2) bits++;
    this.lane1 = new Int32Array(1 << bits);
    this.lane2 = new Int32Array(1 << bits);
    this.used = new Uint8Array(1 << bits);
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the hash (h1, h2); true when it was not in the set yet. */
  add(h1: number, h2: number): boolean {
    const { lane1, lane2, used } = this;
    const mask = used.length - 1;
    // Fibonacci hashing takes the product's high bits: the lanes' low bits are their weakest.
    let i = Math.imul(h1 ^ Math.imul(h2, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    while (used[i] !== 0) {
      if (lane1[i] === h1 && lane2[i] === h2) return false;
      i = (i + 1) & mask;
    }
    used[i] = 1;
    lane1[i] = h1;
    lane2[i] = h2;
    if (++this.count * 2 > used.length) this.grow();
    return true;
  }

  private grow(): void {
    const { lane1, lane2, used } = this;
    this.lane1 = new Int32Array(used.length * 2);
    this.lane2 = new Int32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.shift--;
    this.count = 0;
    for (let i = 0; i < used.length; i++) if (used[i] !== 0) this.add(lane1[i], lane2[i]);
  }
}
