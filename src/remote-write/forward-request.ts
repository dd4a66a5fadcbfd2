// Builds the HTTP request one target receives for one accepted profile (docs/compatibility.md#2, #3, #5, #7,
// 10, 11, 31). Pure: no I/O, so the whole wire contract is checked by table tests.
import { isMultipart } from '../model/content-type.js';
import type { TargetConfig } from '../config/config.js';
import { bytewise, normalizeKey, withLabels, type Labels } from '../model/series-key.js';
import { stripCredentials } from './redact.js';
import { PROFILE_ID_HEADER, type ForwardItem } from '../model/forward.js';

export interface ForwardRequest {
  /** Full URL without credentials. */
  url: string;
  /** The URL's path and query: what goes on the request line. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The item's body, the same Buffer for every target (encoded once). */
  body: Buffer;
}

// Headers the HTTP client owns; a configured value would corrupt framing or be rejected on every send.
const CLIENT_OWNED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect']);

/** `<prefix>/ingest` for any address path: `''`, `/`, `/prefix`, `/prefix/` (docs/compatibility.md#2: never `//ingest`). */
export function ingestPath(pathname: string): string {
  return `${pathname.replace(/\/+$/, '')}/ingest`;
}

/** Target tags merged into the key (target wins), optionally with `.` -> `_` in keys for OG targets (docs/compatibility.md#5). */
export function forwardedName(item: ForwardItem, target: Pick<TargetConfig, 'tags' | 'rewriteDottedTagKeys'>): string {
  const merged = withLabels(item.request.key, target.tags);
  if (!target.rewriteDottedTagKeys) return normalizeKey(merged);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged.labels as Labels)) labels[k.replace(/\./g, '_')] = v;
  return normalizeKey({ appName: merged.appName, labels });
}

/** The `format` query value, or undefined when none may be sent (docs/compatibility.md#3: multipart pprof never gets one). */
export function forwardedFormat(item: ForwardItem): string | undefined {
  if (item.format === 'pprof' && isMultipart(item.contentType)) return undefined;
  return item.format;
}

/** Content-Type per the 3.3 table. */
export function forwardedContentType(item: ForwardItem): string {
  switch (item.format) {
    case 'speedscope':
      return 'application/json';
    case 'jfr':
      return item.contentType ?? 'binary/octet-stream';
    case 'pprof':
      return isMultipart(item.contentType) ? item.contentType! : 'binary/octet-stream';
    default:
      return 'binary/octet-stream';
  }
}

function queryParams(item: ForwardItem, target: TargetConfig): [string, string][] {
  const params = new Map<string, string>();
  params.set('name', forwardedName(item, target));
  params.set('from', item.request.from.forward);
  params.set('until', item.request.until.forward);
  const format = forwardedFormat(item);
  if (format !== undefined) params.set('format', format);
  // Passed through as received; docs/compatibility.md#11: only when they carry a value, and never sampleRate=0.
  for (const key of ['sampleRate', 'spyName', 'units', 'aggregationType']) {
    const v = item.rawQuery[key]?.trim();
    if (v === undefined || v === '') continue;
    if (key === 'sampleRate' && /^[+-]?0+$/.test(v)) continue;
    params.set(key, v);
  }
  for (const [k, v] of [...params]) if (v === '') params.delete(k);
  return [...params].sort(([a], [b]) => bytewise(a, b));
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function tenantHeader(item: ForwardItem, target: TargetConfig): string | undefined {
  if (target.tenantId === '') return undefined;
  if (target.tenantId !== 'passthrough') return target.tenantId;
  const t = item.request.tenant;
  return t === '' || t === 'anonymous' ? undefined : t;
}

/** Builds the request of each item for one target; what depends only on the target is computed once. */
export type ForwardRequestBuilder = (item: ForwardItem) => ForwardRequest;

/**
 * The request to send an item to `target`: POST `<address>/ingest?<sorted params>`. Header precedence, later
 * wins: configured headers < Content-Type < Bearer < Basic < X-Scope-OrgID; userinfo in the address becomes
 * Basic only when nothing else set Authorization. Credentials never appear in the returned URL.
 */
export function createForwardRequestBuilder(target: TargetConfig): ForwardRequestBuilder {
  const base = stripCredentials(target.address);
  const userinfo = new URL(target.address);
  const pathname = ingestPath(base.pathname);
  // Parameters already in the address stay (some gateways key on them); ours win on the same name.
  const addressParams = [...new URLSearchParams(base.search)];

  const fixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(target.headers)) {
    const name = k.toLowerCase();
    if (!CLIENT_OWNED.has(name)) fixed[name] = v;
  }
  let authorization = fixed['authorization'];
  if (target.authToken !== '') authorization = `Bearer ${target.authToken}`;
  if (target.basicAuthUser !== '' || target.basicAuthPassword !== '') authorization = basic(target.basicAuthUser, target.basicAuthPassword);
  if (authorization === undefined && (userinfo.username !== '' || userinfo.password !== '')) {
    authorization = basic(decodeURIComponent(userinfo.username), decodeURIComponent(userinfo.password));
  }

  return (item) => {
    const own = queryParams(item, target);
    const search = new URLSearchParams(addressParams);
    for (const [k] of own) search.delete(k);
    for (const [k, v] of own) search.append(k, v);
    search.sort();
    const query = search.toString();
    const path = query === '' ? pathname : `${pathname}?${query}`;

    // Insertion order as before: configured headers, content-type, authorization, tenant, profile id.
    const headers: Record<string, string> = { ...fixed };
    headers['content-type'] = forwardedContentType(item);
    if (authorization !== undefined) headers['authorization'] = authorization;
    const tenant = tenantHeader(item, target);
    if (tenant !== undefined) headers['x-scope-orgid'] = tenant;
    headers[PROFILE_ID_HEADER] = item.profileId;
    return { url: base.origin + path, path, headers, body: item.body };
  };
}

/** One-off form of createForwardRequestBuilder (tests, single sends). */
export function buildForwardRequest(item: ForwardItem, target: TargetConfig): ForwardRequest {
  return createForwardRequestBuilder(target)(item);
}
