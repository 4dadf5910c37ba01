import type { Principal } from './api-key-service.js';

/**
 * Builds the JSON members of the actor fields that every Vault event's `data` carries: the
 * calling API key's id and name, and `api` as the source. It is computed once per principal,
 * because spreading an actor object into every event's data cost a tenth of data key throughput.
 *
 * @example
 * actorJson('key_01…', 'billing'); // '"actor_id":"key_01…","actor_source":"api","actor_name":"billing"'
 */
export function actorJson(apiKeyId: string, apiKeyName: string): string {
  return `"actor_id":${JSON.stringify(apiKeyId)},"actor_source":"api","actor_name":${JSON.stringify(apiKeyName)}`;
}

/**
 * Serializes an event's `data`: the principal's actor fields followed by `fields`.
 *
 * @example
 * eventData(principal, { kv_name: 'db-password' });
 * // '{"actor_id":"key_01…","actor_source":"api","actor_name":"billing","kv_name":"db-password"}'
 */
export function eventData(principal: Principal, fields: Record<string, unknown>): string {
  const rest = JSON.stringify(fields);
  return rest === '{}' ? `{${principal.actorJson}}` : `{${principal.actorJson},${rest.slice(1)}`;
}
