import type { Principal } from './api-key-service.js';

/**
 * Builds the actor fields that every Vault event's `data` carries: the calling API key's id and
 * name, and `api` as the source.
 *
 * @example
 * actorFields(principal); // { actor_id: 'key_01…', actor_source: 'api', actor_name: 'billing' }
 */
export function actorFields(principal: Principal): Record<string, string> {
  return { actor_id: principal.apiKeyId, actor_source: 'api', actor_name: principal.apiKeyName };
}
