// An original server.yml may set several ways to authenticate one target. It loads unchanged with the
// original's precedence (Basic over Bearer, the auth and tenant options over `headers`; the request builder
// applies it) and each losing key is named in a start-up warning: docs/compatibility.md#7. Never the value.
import type { RawConfig } from './schema.js';

export function authPrecedenceWarnings(raw: RawConfig): string[] {
  const warnings: string[] = [];
  for (const [name, t] of Object.entries(raw['remote-write'].targets)) {
    const target = `remote-write target ${JSON.stringify(name)}`;
    const hasBasic = t['basic-auth-user'] !== '' || t['basic-auth-password'] !== '';
    if (hasBasic && t['auth-token'] !== '') {
      warnings.push(`${target}: auth-token is ignored because basic-auth-user/basic-auth-password are set (Basic wins over Bearer)`);
    }
    for (const header of Object.keys(t.headers)) {
      const lower = header.toLowerCase();
      if (lower === 'authorization' && (hasBasic || t['auth-token'] !== '')) {
        const winner = hasBasic ? 'basic-auth-user/basic-auth-password' : 'auth-token';
        warnings.push(`${target}: headers.${header} is ignored because ${winner} sets Authorization`);
      }
      if (lower === 'x-scope-orgid' && t['tenant-id'] !== '') {
        warnings.push(`${target}: headers.${header} is ignored because tenant-id sets X-Scope-OrgID`);
      }
    }
  }
  return warnings;
}
