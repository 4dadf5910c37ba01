import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COFFER_BIN, type CofferProcess, storageArgs } from '@coffer/testkit';
import { WorkOS } from '@workos-inc/node';
import BetterSqlite3 from 'better-sqlite3';

const execFileAsync = promisify(execFile);

/** A key context that every object test may use. */
export const CONTEXT = { organization_id: 'org_objects_test' };

/** A response read in full: status, headers, raw body text and the body parsed as JSON when it is JSON. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  /** A value to send as JSON, or a string to send as the body unchanged. */
  body?: unknown;
  headers?: Record<string, string>;
  /** API key to send. The server's bootstrap key when absent, and no Authorization header when null. */
  apiKey?: string | null;
}

/** Builds an SDK client pointed at a running `coffer serve`. */
export function sdkFor(coffer: CofferProcess, apiKey = coffer.apiKey): WorkOS {
  return new WorkOS(apiKey, { apiHostname: '127.0.0.1', port: coffer.port, https: false });
}

/** Sends one request with `fetch` and reads the whole response. */
export async function request(
  coffer: CofferProcess,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const apiKey = options.apiKey === undefined ? coffer.apiKey : options.apiKey;
  if (apiKey !== null) {
    headers.authorization = `Bearer ${apiKey}`;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }

  const response = await fetch(`${coffer.url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Reads a JSON response body as an object with string keys. */
export function bodyOf(response: RawResponse): Record<string, unknown> {
  assert.equal(typeof response.json, 'object', `body is not a JSON object: ${response.text}`);
  return response.json as Record<string, unknown>;
}

/** Creates an object over HTTP, asserts the 201 and returns its metadata. */
export async function createObject(
  coffer: CofferProcess,
  name: string,
  value: string,
  context: Record<string, string> = CONTEXT,
): Promise<{ id: string; version_id: string }> {
  const response = await request(coffer, 'POST', '/vault/v1/kv', { body: { name, value, key_context: context } });
  assert.equal(response.status, 201, response.text);
  return response.json as { id: string; version_id: string };
}

/** Lists every object name over HTTP in ascending creation order, following cursors. */
export async function listAllNames(coffer: CofferProcess): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  do {
    const query: string = after === null ? '' : `&after=${encodeURIComponent(after)}`;
    const response = await request(coffer, 'GET', `/vault/v1/kv?limit=100&order=asc${query}`);
    assert.equal(response.status, 200, response.text);
    const page = response.json as { data: { name: string }[]; list_metadata: { after: string | null } };
    names.push(...page.data.map((item) => item.name));
    after = page.list_metadata.after;
  } while (after !== null);
  return names;
}

/** Lists an object's versions over HTTP, newest first. */
export async function listVersions(
  coffer: CofferProcess,
  id: string,
): Promise<{ id: string; current_version: boolean; size: number; etag: string; created_at: string }[]> {
  const response = await request(coffer, 'GET', `/vault/v1/kv/${encodeURIComponent(id)}/versions`);
  assert.equal(response.status, 200, response.text);
  return (response.json as { data: [] }).data;
}

/** An API key made with the CLI: its id, name and secret. */
export interface CliApiKey {
  id: string;
  name: string;
  secret: string;
}

/** Creates another API key in the server's database with `coffer api-keys create`. */
export async function createApiKey(dataDir: string, name: string): Promise<CliApiKey> {
  const { stdout } = await execFileAsync(process.execPath, [
    COFFER_BIN,
    'api-keys',
    'create',
    '--name',
    name,
    ...storageArgs(dataDir),
    '--json',
  ]);
  return JSON.parse(stdout) as CliApiKey;
}

/** Revokes an API key with `coffer api-keys revoke`. */
export async function revokeApiKey(dataDir: string, id: string): Promise<void> {
  await execFileAsync(process.execPath, [COFFER_BIN, 'api-keys', 'revoke', id, ...storageArgs(dataDir), '--json']);
}

/** Finds the id of an API key by name with `coffer api-keys list`. */
export async function apiKeyId(dataDir: string, name: string): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [
    COFFER_BIN,
    'api-keys',
    'list',
    ...storageArgs(dataDir),
    '--json',
  ]);
  const keys = JSON.parse(stdout) as { id: string; name: string }[];
  const found = keys.find((key) => key.name === name);
  assert.ok(found !== undefined, `no API key named ${name} in ${stdout}`);
  return found.id;
}

/** Opens the server's SQLite file directly, read-only unless `writable` is set. */
export function openDatabase(dataDir: string, writable = false): BetterSqlite3.Database {
  return new BetterSqlite3(join(dataDir, 'coffer.db'), { readonly: !writable, fileMustExist: true });
}
