// A deterministic id for one ingested profile: the same request (tenant, name, times, body) always gets the
// same id, so a pyrelay that receives it twice (a retry between relays) can drop the duplicate.
import { createHash } from 'node:crypto';

export interface ProfileIdParts {
  tenant: string;
  name: string;
  from: string;
  until: string;
  format: string;
}

/** What the id hashes before the body; built on the event loop, hashed with the body where the body is validated. */
export const profileIdPrefix = (p: ProfileIdParts): string => `${p.tenant}\n${p.name}\n${p.from}\n${p.until}\n${p.format}\n`;

export function profileIdFrom(prefix: string, body: Uint8Array): string {
  const h = createHash('sha256');
  h.update(prefix);
  h.update(body);
  return h.digest('base64url').slice(0, 32);
}

export const profileIdOf = (parts: ProfileIdParts & { body: Uint8Array }): string => profileIdFrom(profileIdPrefix(parts), parts.body);
