// Format id -> decoder. The only place that knows which decoder serves which format.
import { PyrelayError } from '../../model/errors.js';
import type { FormatId, ProfileDecoder } from '../../model/profile.js';
import { decodeFolded } from './folded.js';
import { decodeLines } from './lines.js';
import { decodeTree } from './tree.js';
import { decodeTrie } from './trie.js';

const notYet =
  (format: FormatId): ProfileDecoder =>
  () => {
    throw new PyrelayError('unsupported_format', `format ${format} is not supported yet`);
  };

export function createDecoders(): Record<FormatId, ProfileDecoder> {
  return {
    groups: decodeFolded,
    lines: decodeLines,
    trie: decodeTrie,
    tree: decodeTree,
    pprof: notYet('pprof'),
    jfr: notYet('jfr'),
    speedscope: notYet('speedscope'),
  };
}
