// Starts the coffer serve process that a benchmark measures, with the bare baseline route on.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoffer } from '@coffer/testkit';

/** Directory for the server logs and profiles of benchmark runs, ignored by git. */
export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** Starts one server process for a benchmark run; `logLevel` defaults to the service default. */
export async function startBenchServer({ logLevel = 'info', args = [], env = {}, nodeOptions = [] } = {}) {
  mkdirSync(OUT_DIR, { recursive: true });
  return startCoffer({
    args: ['--log-level', logLevel, ...args],
    env: { COFFER_BENCHMARK_BASELINE: '1', ...env },
    // The log goes to a file, as in production, so reading it costs the load generator nothing.
    logFile: join(OUT_DIR, `server-${process.pid}.log`),
    nodeOptions,
  });
}

/** Sends one authenticated JSON POST to a bench server and returns the parsed response body. */
export async function postJson(server, path, body) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path} returned ${response.status}: ${await response.text()}`);
  }
  return response.json();
}
