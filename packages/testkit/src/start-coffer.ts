import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, dropTestDatabase, type TestBackend, testBackend } from './test-database.js';

/** Path of the `coffer` executable in this checkout. */
export const COFFER_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../cli/bin/coffer.js');

export interface StartCofferOptions {
  /**
   * Extra arguments after `serve`. `--port 0` and `--data-dir` are added unless given here, and
   * so is `--database-url` when the test backend is PostgreSQL.
   */
  args?: string[];
  /** Extra environment variables for the process. */
  env?: Record<string, string | undefined>;
  /** Data directory to use; a new temp dir when absent (removed again by `stop()`). */
  dataDir?: string;
  /** API key secret to bootstrap; a random `sk_test_...` when absent. */
  apiKey?: string;
  /**
   * File that receives the JSON log (stderr) instead of this process. Benchmarks use it so
   * that reading the log does not take CPU from the load generator; `stderr()` is then empty.
   */
  logFile?: string;
  /** Extra Node.js options for the server process, such as `--cpu-prof`. */
  nodeOptions?: string[];
  /** How long to wait for the listening line, in milliseconds. */
  startTimeoutMs?: number;
}

/** A running `coffer serve` child process with its captured output. */
export interface CofferProcess {
  url: string;
  port: number;
  apiKey: string;
  dataDir: string;
  /** The backend the server runs on. */
  backend: TestBackend;
  /** The PostgreSQL URL the server uses; undefined on SQLite. */
  databaseUrl: string | undefined;
  pid: number;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Everything the process wrote to stderr (the JSON log) so far. */
  stderr(): string;
  /** Sends a signal (SIGTERM by default) and resolves with the exit code once the process exits. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/**
 * Starts `coffer serve` as a real child process on a free loopback port and resolves once it
 * prints its listening address.
 *
 * With COFFER_TEST_BACKEND=postgres the server gets the PostgreSQL database of its data dir
 * (see `databaseNameFor`), created when missing, so that each server keeps its own tables and
 * a restart on the same data dir finds its data. `stop()` drops the database together with a
 * data dir that this function created.
 *
 * @example
 * const coffer = await startCoffer();
 * try { await fetch(`${coffer.url}/health`); } finally { await coffer.stop(); }
 */
export async function startCoffer(options: StartCofferOptions = {}): Promise<CofferProcess> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'coffer-test-'));
  const apiKey = options.apiKey ?? `sk_test_${randomBytes(24).toString('base64url')}`;
  const args = options.args ?? [];
  const fullArgs = [COFFER_BIN, 'serve', ...args];
  if (!args.includes('--port')) {
    fullArgs.push('--port', '0');
  }
  if (!args.includes('--data-dir')) {
    fullArgs.push('--data-dir', dataDir);
  }
  const database = await chooseDatabase(args, options.env, optionValue(args, '--data-dir') ?? dataDir);
  if (database.created) {
    fullArgs.push('--database-url', database.url);
  }

  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), ...fullArgs], {
    env: { ...process.env, COFFER_BOOTSTRAP_API_KEY: apiKey, ...options.env },
    stdio: ['ignore', 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) {
    closeSync(logFd);
  }
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    });
  });

  const url = await waitForListening(
    child,
    () => stdout,
    () => stderr,
    exited,
    options.startTimeoutMs ?? 20_000,
  );
  const port = Number(new URL(url).port);

  return {
    url,
    port,
    apiKey,
    dataDir,
    backend: database.url === undefined ? 'sqlite' : 'postgres',
    databaseUrl: database.url,
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid as number, signal);
      }
      const code = await exited;
      if (ownsDataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        if (database.created) {
          await dropTestDatabase(dataDir);
        }
      }
      return code;
    },
  };
}

/**
 * Picks the PostgreSQL URL for a server: the one in its arguments or environment, or, when the
 * test backend is PostgreSQL, the URL of its data dir's database, created here with `created` true.
 */
async function chooseDatabase(
  args: string[],
  env: Record<string, string | undefined> | undefined,
  dataDir: string,
): Promise<{ url: string; created: true } | { url: string | undefined; created: false }> {
  const explicitUrl = optionValue(args, '--database-url') ?? env?.COFFER_DATABASE_URL;
  if (explicitUrl !== undefined || testBackend() === 'sqlite') {
    return { url: explicitUrl, created: false };
  }
  return { url: await createTestDatabase(dataDir), created: true };
}

function optionValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

async function waitForListening(
  child: ChildProcess,
  stdout: () => string,
  stderr: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    const match = /Coffer is listening on (\S+)/.exec(stdout());
    if (match !== null) {
      return match[1] as string;
    }
    if (exitCode !== undefined) {
      throw new Error(`coffer serve exited with code ${exitCode} before listening:\n${stderr()}${stdout()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`coffer serve did not print its address within ${timeoutMs} ms:\n${stderr()}${stdout()}`);
}
