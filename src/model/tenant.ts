// Tenant ids as Grafana Pyroscope accepts them in X-Scope-OrgID, and the default tenant used when
// multi-tenancy is off. Pure: the HTTP layer resolves the tenant of a request with these.

/** The tenant of every request while multi-tenancy is off (and of all data stored before tenants existed). */
export const DEFAULT_TENANT = 'anonymous';

export const TENANT_HEADER = 'x-scope-orgid';

export const MAX_TENANT_ID_LENGTH = 150;

const TENANT_ID = /^[0-9A-Za-z!\-_.*'()]+$/;

/** Why `id` is not a valid tenant id, or undefined when it is. */
export function tenantIdProblem(id: string): string | undefined {
  if (id === '') return 'tenant id is empty';
  if (id.length > MAX_TENANT_ID_LENGTH) return `tenant id is longer than ${MAX_TENANT_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return `tenant id ${JSON.stringify(id)} is not allowed`;
  if (!TENANT_ID.test(id)) return `tenant id ${JSON.stringify(id)} may only use [0-9A-Za-z] and ! - _ . * ' ( )`;
  return undefined;
}
