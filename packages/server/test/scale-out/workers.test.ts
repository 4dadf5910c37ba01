import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer, testBackend } from '@coffer/testkit';

const BACKEND = testBackend();
const CREATE = '/vault/v1/keys/data-key';

/** A JSON log line of the primary or of a worker. Workers write to the primary's stderr. */
interface LogLine {
  pid?: number;
  msg?: string;
  request_id?: string;
  worker_pid?: number;
  signal?: string;
}

/**
 * Parses the JSON log lines on the primary's stderr. Processes that write more than a pipe's
 * atomic size at once can interleave their output, so a line that does not parse is skipped.
 */
function logLines(coffer: CofferProcess): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of coffer.stderr().split('\n')) {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // Not a whole JSON line.
    }
  }
  return lines;
}

/**
 * Sends `count` create requests at once, each on a new connection with its own request id, and
 * returns the pid of the process that logged each one. The cluster primary hands new connections
 * to its workers in turn, but a reused keep-alive connection stays with the worker it met first.
 */
async function servingPids(coffer: CofferProcess, count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, () => `workers-${randomUUID()}`);
  const statuses = await Promise.all(ids.map((id) => createOnNewConnection(coffer, id)));
  for (const [index, status] of statuses.entries()) {
    assert.equal(status, 200, `request ${ids[index]}`);
  }
  // The log is written asynchronously, so the lines may trail the responses a little.
  const expected = new Set(ids);
  const found = await waitFor(() => {
    const lines = logLines(coffer).filter((line) => line.msg === 'request' && expected.has(line.request_id ?? ''));
    return lines.length === count ? lines : undefined;
  }, `request log lines of ${count} requests`);
  return found.map((line) => line.pid as number);
}

/** Sends one create request on a connection of its own and resolves with the status code. */
function createOnNewConnection(coffer: CofferProcess, requestId: string): Promise<number> {
  const body = JSON.stringify({ context: { organization_id: 'org_workers' } });
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(CREATE, coffer.url), {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${coffer.apiKey}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-request-id': requestId,
      },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Tests whether a process runs. A worker outlives its primary only as a zombie until PID 1 reaps
 * it, and a container's PID 1 may never do so, so a zombie counts as stopped where /proc shows it.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // The state follows the parenthesised command name, which may itself contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

describe(`${BACKEND}: serve --workers 2`, () => {
  let coffer: CofferProcess;
  let workerPids: number[];

  before(async () => {
    coffer = await startCoffer({ args: ['--workers', '2'] });
  });

  after(async () => {
    await coffer?.stop();
  });

  test('announces two worker processes', () => {
    assert.match(coffer.stdout(), /Coffer is listening on \S+ \(2 worker processes\)/);
  });

  test('requests reach both workers', async () => {
    const pids = await servingPids(coffer, 20);
    workerPids = [...new Set(pids)];
    assert.equal(workerPids.length, 2, `pids: ${pids.join(', ')}`);
    assert.ok(!workerPids.includes(coffer.pid), `the primary ${coffer.pid} served requests`);
  });

  test('killed worker is replaced', async () => {
    const [killed, survivor] = workerPids as [number, number];
    process.kill(killed, 'SIGKILL');
    const exitLine = await waitFor(
      () =>
        logLines(coffer).find(
          (line) => line.msg === 'worker process exited; starting another' && line.worker_pid === killed,
        ),
      `the primary's log line about worker ${killed}`,
    );
    assert.equal(exitLine.signal, 'SIGKILL');

    const during = await servingPids(coffer, 10);
    assert.ok(!during.includes(killed), `pids: ${during.join(', ')}`);

    const replacement = await waitFor(
      () =>
        logLines(coffer).find(
          (line) => line.msg === 'coffer is listening' && line.pid !== killed && line.pid !== survivor,
        ),
      'a listening line from a new worker',
    );
    const pids = new Set(await servingPids(coffer, 20));
    assert.deepEqual([...pids].sort(), [survivor, replacement.pid as number].sort());
    workerPids = [...pids];
  });

  test('SIGTERM stops primary and workers', async () => {
    const code = await coffer.stop('SIGTERM');
    assert.equal(code, 0, coffer.stderr());
    for (const pid of workerPids) {
      await waitFor(() => (isRunning(pid) ? undefined : true), `worker ${pid} to exit`);
    }
    const stopped = logLines(coffer).filter((line) => line.msg === 'coffer stopped');
    assert.equal(stopped.length, workerPids.length + 1, 'one "coffer stopped" line per worker and the primary');
  });
});

/** Polls `find` every 25 ms for up to 15 seconds and returns its first defined result. */
async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = find();
    if (found !== undefined) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after 15000 ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
