// Format `lines`: one stack per line without a count; each occurrence counts 1, empty lines
// are skipped (CRLF tolerated). The whole line is the stack, spaces included, as in OG.
import { DEFAULT_MAX_STACK_DEPTH, type ProfileDecoder } from '../../model/profile.js';
import { Tree } from '../../model/tree.js';
import { forEachLine, splitStack, textOf, toProfile } from './folded.js';

const FORMAT = 'lines';

export const decodeLines: ProfileDecoder = (input) => {
  if (input.body.length === 0) return [];
  const maxDepth = input.limits.maxStackDepth ?? DEFAULT_MAX_STACK_DEPTH;
  // Count identical lines first: one tree insert per distinct stack instead of per line.
  const counts = new Map<string, { n: number; line: number }>();
  forEachLine(textOf(input.body), (line, n) => {
    if (line === '') return;
    const seen = counts.get(line);
    if (seen === undefined) {
      input.limits.nodeBudget?.take(); // bounds this map too, before any tree exists
      counts.set(line, { n: 1, line: n });
    } else seen.n++;
  });
  // Distinct lines were charged above; the tree's nodes are not charged a second time.
  const tree = new Tree();
  for (const [stack, { n, line }] of counts) tree.insertStack(splitStack(stack, maxDepth, FORMAT, line), n);
  return toProfile(input, tree, FORMAT);
};
