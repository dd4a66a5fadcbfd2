// Target addresses may carry credentials (`http://user:pass@host`). Metric labels and logs must never show
// them, so everything user-visible goes through here.

/**
 * Returns `address` with its password replaced by `***` (user kept), or, when only a user is present (often a
 * token used as the user), the user replaced by `***`. Text that is not a URL is returned with anything that
 * looks like userinfo masked.
 */
export function redactUrl(address: string): string {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return address.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (u.username === '' && u.password === '') return address;
  if (u.password !== '') u.password = '***';
  else u.username = '***';
  // Keep the caller's spelling otherwise (URL adds a trailing `/` to bare origins).
  const out = u.toString();
  return address.endsWith('/') || u.pathname !== '/' || u.search !== '' || u.hash !== '' ? out : out.replace(/\/$/, '');
}

/** `address` without any userinfo: the form requests are sent to. */
export function stripCredentials(address: string): URL {
  const u = new URL(address);
  u.username = '';
  u.password = '';
  return u;
}
