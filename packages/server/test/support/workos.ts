import { WorkOS } from '@workos-inc/node';

/**
 * Builds an official WorkOS SDK client aimed at a Coffer base URL. Retries are off so that a
 * 5xx reaches the test instead of being retried away.
 *
 * @example
 * const workos = workosFor(coffer.url, coffer.apiKey);
 * const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_1' } });
 */
export function workosFor(baseUrl: string, apiKey: string): WorkOS {
  const url = new URL(baseUrl);
  return new WorkOS(apiKey, {
    apiHostname: url.hostname,
    port: Number(url.port),
    https: url.protocol === 'https:',
    maxRetries: 0,
  });
}
