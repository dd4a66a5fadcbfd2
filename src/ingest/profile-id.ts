// A deterministic id for one ingested profile: the same request (tenant, name, times, body) always gets the
// same id, so a pyrelay that receives it twice (a retry between relays) can drop the duplicate.
import { createHash } from 'node:crypto';

export function profileIdOf(parts: { tenant: string; name: string; from: string; until: string; format: string; body: Uint8Array }): string {
  const h = createHash('sha256');
  h.update(`${parts.tenant}\n${parts.name}\n${parts.from}\n${parts.until}\n${parts.format}\n`);
  h.update(parts.body);
  return h.digest('base64url').slice(0, 32);
}
