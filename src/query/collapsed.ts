// Folded ("collapsed") text output of a tree: one `a;b;c N` line per stack with a self value, sorted
// bytewise, each line ending in a newline. Iterative so deep stacks cannot overflow the call stack.
import { bytewise } from '../model/series-key.js';
import type { Tree, TreeNode } from '../model/tree.js';

export function encodeCollapsed(tree: Tree): string {
  const lines: [string, number][] = [];
  const stack: { node: TreeNode; path: string }[] = [];
  for (const child of tree.root.children.values()) stack.push({ node: child, path: child.name });
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node.self > 0) lines.push([path, node.self]);
    for (const child of node.children.values()) stack.push({ node: child, path: `${path};${child.name}` });
  }
  lines.sort((a, b) => bytewise(a[0], b[0]));
  let out = '';
  for (const [path, value] of lines) out += `${path} ${value}\n`;
  return out;
}
