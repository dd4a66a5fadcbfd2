// Format detection for /ingest (docs/compatibility.md#3, #16): the only place these rules live.
// First match wins, in OG's order; unknown `format` values are a 400 instead of silently parsing as folded.
import { isMultipart } from '../model/content-type.js';
import { PyrelayError } from '../model/errors.js';
import type { FormatId } from '../model/profile.js';

const TRIE_CT = 'binary/octet-stream+trie';
const TREE_CT = 'binary/octet-stream+tree';

/** `format` values we accept; the folded aliases all map to `groups`. */
const KNOWN_FORMATS = new Set(['trie', 'tree', 'lines', 'jfr', 'pprof', 'speedscope', 'groups', 'folded', 'collapsed']);

/** The media type without parameters, lower-cased (`Binary/Octet-Stream+Trie; x=y` still means trie). */
const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';', 1)[0].trim().toLowerCase();

export function detectFormat(formatParam: string | undefined, contentType: string | undefined): FormatId {
  const format = formatParam ?? '';
  if (format !== '' && !KNOWN_FORMATS.has(format)) {
    const shown = format.length > 64 ? `${format.slice(0, 64)}...` : format;
    throw new PyrelayError('unknown_format', `unknown format ${JSON.stringify(shown)}: expected one of groups, folded, collapsed, lines, trie, tree, pprof, jfr, speedscope`);
  }
  const ct = mediaType(contentType);
  if (format === 'trie' || ct === TRIE_CT) return 'trie';
  if (format === 'tree' || ct === TREE_CT) return 'tree';
  if (format === 'lines') return 'lines';
  if (format === 'jfr') return 'jfr';
  // With a multipart CT the pprof decoder parses the form (docs/compatibility.md#3), so format=pprof stays 'pprof'.
  if (format === 'pprof') return 'pprof';
  if (format === 'speedscope') return 'speedscope';
  if (isMultipart(contentType)) return 'pprof';
  return 'groups';
}
