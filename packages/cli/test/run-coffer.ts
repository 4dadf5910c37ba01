import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { COFFER_BIN, type CofferProcess } from '@coffer/testkit';

/** How a `coffer` command ended and what it printed. */
export interface CofferRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Bytes for stdin, or `{ file }` to stream a file into stdin; stdin is empty when absent. */
  input?: Buffer | string | { file: string };
  /** Variables added to the environment; undefined removes one. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the real `coffer` binary as a child process and collects its output. The environment
 * points it at `server` through COFFER_URL and COFFER_API_KEY unless `env` overrides them.
 *
 * @example
 * const result = await runCoffer(server, ['kv', 'list', '--json']);
 */
export function runCoffer(
  server: CofferProcess | undefined,
  args: string[],
  options: RunOptions = {},
): Promise<CofferRun> {
  const child = spawn(process.execPath, [COFFER_BIN, ...args], {
    env: {
      ...process.env,
      COFFER_URL: server?.url,
      COFFER_API_KEY: server?.apiKey,
      COFFER_DEBUG: undefined,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A command that exits before reading all of stdin makes further writes fail with EPIPE.
  child.stdin.on('error', () => undefined);

  const input = options.input;
  if (input !== undefined && typeof input === 'object' && 'file' in input) {
    createReadStream(input.file).pipe(child.stdin);
  } else {
    child.stdin.end(input);
  }

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

/**
 * Runs `coffer ...first | coffer ...second` with a real OS pipe between the two processes.
 *
 * @example
 * const [encrypt, decrypt] = await pipeCoffer(server, ['encrypt', '--context', 't=1', file], ['decrypt']);
 */
export function pipeCoffer(server: CofferProcess, first: string[], second: string[]): Promise<[CofferRun, CofferRun]> {
  const env = { ...process.env, COFFER_URL: server.url, COFFER_API_KEY: server.apiKey };
  const producer = spawn(process.execPath, [COFFER_BIN, ...first], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const consumer = spawn(process.execPath, [COFFER_BIN, ...second], {
    env,
    stdio: [producer.stdout, 'pipe', 'pipe'],
  });
  // The consumer has its own copy of the pipe, and the parent's copy would keep 'close' from firing.
  producer.stdout.destroy();
  return Promise.all([collect(producer, false), collect(consumer, true)]);
}

function collect(child: ReturnType<typeof spawn>, readStdout: boolean): Promise<CofferRun> {
  const stdout: Buffer[] = [];
  let stderr = '';
  if (readStdout) {
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  }
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}
