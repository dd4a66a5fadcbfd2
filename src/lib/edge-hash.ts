// A cheap 32-bit hash of a byte range: its length and its first and last 64 bytes. Folded stacks share their root
// frames and differ at the leaf end, so this tells them apart almost always at a fraction of a full hash's cost;
// callers that need certainty confirm a match with a byte compare.
const EDGE = 64;

export function edgeHash(b: Uint8Array, start: number, end: number): number {
  let h = Math.imul(end - start, 0x9e3779b1);
  const head = Math.min(end, start + EDGE);
  for (let i = start; i < head; i++) h = Math.imul(h ^ b[i], 0x01000193);
  for (let i = Math.max(head, end - EDGE); i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}
