// The API key a request presents: `Authorization: Bearer <key>` (scheme case-insensitive, exactly two
// space-separated parts, as the original checks) or `Basic` with the key as the password (Grafana's
// clients and data source send Basic; a key given as the user name with an empty password works too).
export type Presented = { kind: 'none' } | { kind: 'malformed' } | { kind: 'key'; key: string; scheme: 'bearer' | 'basic' };

export function presentedKey(authorization: string | undefined): Presented {
  if (authorization === undefined || authorization.trim() === '') return { kind: 'none' };
  const parts = authorization.trim().split(' ');
  if (parts.length !== 2 || parts[1] === '') return { kind: 'malformed' };
  const scheme = parts[0].toLowerCase();
  if (scheme === 'bearer') return { kind: 'key', key: parts[1], scheme: 'bearer' };
  if (scheme === 'basic') {
    const text = Buffer.from(parts[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return { kind: 'malformed' };
    const user = text.slice(0, colon);
    const password = text.slice(colon + 1);
    const key = password !== '' ? password : user;
    return key === '' ? { kind: 'malformed' } : { kind: 'key', key, scheme: 'basic' };
  }
  return { kind: 'malformed' };
}
