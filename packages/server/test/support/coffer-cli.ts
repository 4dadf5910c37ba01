import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { COFFER_BIN, storageArgs } from '@coffer/testkit';

/** How a `coffer` command ended and what it printed. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCofferOptions {
  /** Variables added to (or, when undefined, removed from) the test's environment. */
  env?: Record<string, string | undefined>;
  /** Kills the process with SIGKILL after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * Runs `coffer ARGS...` to completion and captures its output. The bootstrap API key variable is
 * removed unless `env` sets it, so a command never inherits one from the test runner.
 *
 * @example
 * const result = await runCoffer(['api-keys', 'list', '--data-dir', dir, '--json']);
 */
export function runCoffer(args: string[], options: RunCofferOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [COFFER_BIN, ...args], {
    env: { ...process.env, COFFER_BOOTSTRAP_API_KEY: undefined, COFFER_ROOT_KEY: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A new API key as `coffer api-keys create --json` prints it. */
export interface CreatedKey {
  id: string;
  name: string;
  environment: string;
  secret: string;
}

/**
 * Creates an API key with the CLI, directly in the storage of a data dir that a server may be
 * using: its SQLite file, or its PostgreSQL database when the test backend is PostgreSQL.
 */
export async function createApiKey(dataDir: string, name: string, environment = 'default'): Promise<CreatedKey> {
  const result = await runCoffer([
    'api-keys',
    'create',
    '--name',
    name,
    '--environment',
    environment,
    ...storageArgs(dataDir),
    '--json',
  ]);
  assert.equal(result.code, 0, `coffer api-keys create failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as CreatedKey;
}

/** Revokes an API key with the CLI. */
export async function revokeApiKey(dataDir: string, id: string): Promise<void> {
  const result = await runCoffer(['api-keys', 'revoke', id, ...storageArgs(dataDir), '--json']);
  assert.equal(result.code, 0, `coffer api-keys revoke failed:\n${result.stderr}`);
}
