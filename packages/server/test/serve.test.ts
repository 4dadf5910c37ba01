import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, queryDatabase, startCoffer, storageArgs, testBackend } from '@coffer/testkit';
import { runCoffer } from './support/coffer-cli.js';
import { sendJson, type Target } from './support/http.js';

const CREATE = '/vault/v1/keys/data-key';
const DECRYPT = '/vault/v1/keys/decrypt';
const NO_BOOTSTRAP = { COFFER_BOOTSTRAP_API_KEY: undefined };

interface DataKeyBody {
  id: string;
  data_key: string;
  encrypted_keys: string;
}

const temporaryDirs: string[] = [];
after(() => {
  for (const dir of temporaryDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-serve-test-'));
  temporaryDirs.push(dir);
  return dir;
}

async function createDataKey(target: Target, organization = 'org_serve'): Promise<DataKeyBody> {
  const response = await sendJson(target, CREATE, { context: { organization_id: organization } });
  assert.equal(response.status, 200, response.text);
  return response.json as DataKeyBody;
}

async function decryptDataKey(target: Target, encryptedKeys: string): Promise<DataKeyBody> {
  const response = await sendJson(target, DECRYPT, { keys: encryptedKeys });
  assert.equal(response.status, 200, response.text);
  return response.json as DataKeyBody;
}

/** Parses the JSON log lines that a process wrote to stderr. */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function newRootKey(): string {
  return randomBytes(32).toString('base64');
}

function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('first and second start', () => {
  const dataDir = join(temporaryDir(), 'nested', 'data');
  const options = {};
  let started: Promise<CofferProcess> | undefined;

  /** Starts the first server on the new data dir once; every test of this group shares it. */
  function firstStart(): Promise<CofferProcess> {
    started ??= startCoffer({ dataDir, env: NO_BOOTSTRAP });
    return started;
  }

  function printedKey(coffer: CofferProcess): string {
    return /\bsk_[A-Za-z0-9_-]+/.exec(coffer.stdout())?.[0] ?? '';
  }

  after(async () => {
    const first = await started?.catch(() => undefined);
    await first?.stop();
  });

  test('creates data dir and database', options, async () => {
    await firstStart();
    assert.equal(fileMode(dataDir), 0o700);
    if (testBackend() === 'sqlite') {
      assert.equal(existsSync(join(dataDir, 'coffer.db')), true);
    }
    const [row] = await queryDatabase<{ count: number }>(dataDir, 'select count(*) as count from api_keys');
    assert.equal(row?.count, 1);
  });

  test('creates root key with mode 0600', options, async () => {
    await firstStart();
    const path = join(dataDir, 'root.key');
    assert.equal(fileMode(path), 0o600);
    assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32);
  });

  test('prints one API key', options, async () => {
    const first = await firstStart();
    const keys = first.stdout().match(/\bsk_[A-Za-z0-9_-]+/g) ?? [];
    assert.equal(keys.length, 1, first.stdout());
    assert.match(first.stdout(), /Store this secret now/);
  });

  test('printed API key works', options, async () => {
    const first = await firstStart();
    const pair = await createDataKey({ url: first.url, apiKey: printedKey(first) });
    assert.equal(Buffer.from(pair.data_key, 'base64').length, 32);
  });

  test('logs root key is for development', options, async () => {
    const first = await firstStart();
    const warning = logLines(first.stderr()).find((line) => line.root_key_provider === 'local');
    assert.ok(warning !== undefined, first.stderr());
    assert.equal(warning.level, 'warn');
    assert.match(String(warning.msg), /development/);
  });

  test('second start prints no key', options, async () => {
    const first = await firstStart();
    const apiKey = printedKey(first);
    const pair = await createDataKey({ url: first.url, apiKey });
    assert.equal(await first.stop(), 0);

    const second = await startCoffer({ dataDir, env: NO_BOOTSTRAP });
    try {
      assert.doesNotMatch(second.stdout(), /sk_|Store this secret/);
      const decrypted = await decryptDataKey({ url: second.url, apiKey }, pair.encrypted_keys);
      assert.equal(decrypted.data_key, pair.data_key);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});

describe('bootstrap API key', () => {
  test('bootstrap key works and stays secret', async () => {
    const apiKey = `sk_test_${randomBytes(24).toString('base64url')}`;
    const coffer = await startCoffer({ apiKey });
    try {
      await createDataKey(coffer);
      assert.doesNotMatch(coffer.stdout(), /sk_|Store this secret/);
    } finally {
      await coffer.stop();
    }
    assert.equal(coffer.stdout().includes(apiKey), false);
    assert.equal(coffer.stderr().includes(apiKey), false);
  });

  test('bootstrap key joins existing keys', async () => {
    const dataDir = temporaryDir();
    const firstKey = `sk_test_${randomBytes(24).toString('base64url')}`;
    const secondKey = `sk_test_${randomBytes(24).toString('base64url')}`;
    const first = await startCoffer({ dataDir, apiKey: firstKey });
    const blob = await createDataKey(first);
    await first.stop();

    const second = await startCoffer({ dataDir, apiKey: secondKey });
    try {
      assert.equal((await decryptDataKey(second, blob.encrypted_keys)).data_key, blob.data_key);
      const old = { url: second.url, apiKey: firstKey };
      assert.equal((await decryptDataKey(old, blob.encrypted_keys)).data_key, blob.data_key);
    } finally {
      await second.stop();
    }
  });

  test('malformed bootstrap key is rejected', async () => {
    const value = 'not-a-valid-key-value';
    const result = await runCoffer(['serve', '--port', '0', '--data-dir', join(temporaryDir(), 'data')], {
      env: { COFFER_BOOTSTRAP_API_KEY: value },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /COFFER_BOOTSTRAP_API_KEY must start with "sk_"/);
    assert.equal(result.stderr.includes(value), false);
  });
});

describe('root key', () => {
  test('COFFER_ROOT_KEY serves and restarts', async () => {
    const dataDir = temporaryDir();
    const rootKey = newRootKey();
    const first = await startCoffer({ dataDir, env: { COFFER_ROOT_KEY: rootKey } });
    const blob = await createDataKey(first);
    assert.equal(await first.stop(), 0);
    assert.equal(existsSync(join(dataDir, 'root.key')), false);
    assert.equal(first.stderr().includes(rootKey), false);

    const second = await startCoffer({ dataDir, env: { COFFER_ROOT_KEY: rootKey } });
    try {
      assert.equal((await decryptDataKey(second, blob.encrypted_keys)).data_key, blob.data_key);
    } finally {
      await second.stop();
    }
  });

  test('wrong COFFER_ROOT_KEY fails at start', async () => {
    const dataDir = temporaryDir();
    const first = await startCoffer({ dataDir, env: { COFFER_ROOT_KEY: newRootKey() } });
    await createDataKey(first);
    await first.stop();

    const wrongKey = newRootKey();
    const result = await runCoffer(['serve', '--port', '0', ...storageArgs(dataDir)], {
      env: { COFFER_ROOT_KEY: wrongKey },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /root key .* is not the one this database was set up with/);
    assert.doesNotMatch(result.stdout, /listening/);
    assert.equal(result.stderr.includes(wrongKey), false);
  });

  test('replaced root key file fails at start', async () => {
    const dataDir = temporaryDir();
    const first = await startCoffer({ dataDir });
    await createDataKey(first);
    await first.stop();

    writeFileSync(join(dataDir, 'root.key'), `${newRootKey()}\n`, { mode: 0o600 });
    const result = await runCoffer(['serve', '--port', '0', ...storageArgs(dataDir)]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is not the one this database was set up with/);
  });

  test('missing root key file fails at start', async () => {
    const dataDir = temporaryDir();
    const first = await startCoffer({ dataDir });
    await first.stop();

    rmSync(join(dataDir, 'root.key'));
    const result = await runCoffer(['serve', '--port', '0', ...storageArgs(dataDir)]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /root key file .*root\.key is missing/);
    assert.equal(existsSync(join(dataDir, 'root.key')), false);
  });

  const malformed: [string, string][] = [
    ['16-byte key', randomBytes(16).toString('base64')],
    ['not base64', 'this is not base64!'],
    ['unpadded base64', newRootKey().replace(/=+$/, '')],
  ];
  for (const [name, value] of malformed) {
    test(`${name} in COFFER_ROOT_KEY is rejected`, async () => {
      const result = await runCoffer(['serve', '--port', '0', '--data-dir', join(temporaryDir(), 'data')], {
        env: { COFFER_ROOT_KEY: value },
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /COFFER_ROOT_KEY must/);
      assert.equal(result.stderr.includes(value), false);
    });
  }
});

describe('listening address', () => {
  test('0.0.0.0 without TLS is refused', async () => {
    // A listener of ours occupies the port on 127.0.0.1, so that even a server that ignored the rule
    // could not bind 0.0.0.0 on it: the test never exposes a port beyond loopback.
    const guard = net.createServer();
    await new Promise<void>((resolve) => guard.listen(0, '127.0.0.1', resolve));
    const port = (guard.address() as net.AddressInfo).port;
    const dataDir = join(temporaryDir(), 'data');
    try {
      const result = await runCoffer(['serve', '--host', '0.0.0.0', '--port', String(port), '--data-dir', dataDir]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /refusing to serve plain HTTP on non-loopback address 0\.0\.0\.0/);
      assert.match(result.stderr, /--tls-cert/);
      assert.doesNotMatch(result.stderr, /EADDRINUSE/);
      assert.equal(existsSync(dataDir), false);
    } finally {
      await new Promise((resolve) => guard.close(resolve));
    }
  });

  test('127.0.0.1 needs no --insecure-http', async () => {
    const coffer = await startCoffer({ args: ['--host', '127.0.0.1'] });
    try {
      assert.match(coffer.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      await createDataKey(coffer);
    } finally {
      await coffer.stop();
    }
  });

  test('TLS certificate without key is refused', async () => {
    const dir = temporaryDir();
    const result = await runCoffer(['serve', '--port', '0', '--data-dir', dir, '--tls-cert', join(dir, 'cert.pem')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--tls-cert and --tls-key must be given together/);
  });
});

describe('TLS', () => {
  let dir: string;
  let certificate: Buffer;
  let coffer: CofferProcess;

  before(async () => {
    dir = temporaryDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
    certificate = readFileSync(join(dir, 'cert.pem'));
    coffer = await startCoffer({
      args: ['--host', '127.0.0.1', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    });
  });

  after(async () => {
    await coffer?.stop();
  });

  function requestHttps(path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = https.request(
        new URL(path, coffer.url),
        {
          method: body === undefined ? 'GET' : 'POST',
          ca: certificate,
          headers: { authorization: `Bearer ${coffer.apiKey}`, 'content-type': 'application/json' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  test('listens on https URL', () => {
    assert.match(coffer.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('health answers over HTTPS', async () => {
    const response = await requestHttps('/health');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.text), { status: 'ok' });
  });

  test('data keys round trip over HTTPS', async () => {
    const created = await requestHttps(CREATE, JSON.stringify({ context: { organization_id: 'org_tls' } }));
    assert.equal(created.status, 200, created.text);
    const pair = JSON.parse(created.text) as DataKeyBody;
    const decrypted = await requestHttps(DECRYPT, JSON.stringify({ keys: pair.encrypted_keys }));
    assert.equal(decrypted.status, 200, decrypted.text);
    assert.equal((JSON.parse(decrypted.text) as DataKeyBody).data_key, pair.data_key);
  });

  test('plain HTTP gets no data', async () => {
    const plainUrl = coffer.url.replace('https:', 'http:');
    const outcome = await fetch(`${plainUrl}/health`).then(
      (response) => response.status,
      () => 'connection failed',
    );
    assert.notEqual(outcome, 200);
  });
});

describe('health', () => {
  test('GET /health is 200 JSON', async () => {
    const coffer = await startCoffer();
    try {
      const response = await fetch(new URL('/health', coffer.url));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/);
      assert.match(response.headers.get('x-request-id') ?? '', /\S/);
      assert.deepEqual(await response.json(), { status: 'ok' });
    } finally {
      await coffer.stop();
    }
  });
});

describe('graceful shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} finishes accepted requests`, async () => {
      const dataDir = temporaryDir();
      const coffer = await startCoffer({ dataDir });
      const earlier = await createDataKey(coffer);

      // Requests whose headers and half their body reached the server before the signal: they
      // are in flight for certain, and must complete once their body is sent.
      const slow = Array.from({ length: 5 }, (_, index) => startSlowRequest(coffer, `slow-${index}`));
      await Promise.all(slow.map((request) => request.connected));
      await new Promise((resolve) => setTimeout(resolve, 200));

      const burst = startBurst(coffer, 8);
      await burst.reached(100);
      const exited = coffer.stop(signal);
      await waitForShutdownStart(coffer);
      for (const request of slow) {
        request.finish();
      }

      const slowResults = await Promise.all(slow.map((request) => request.response));
      const burstResults = await burst.stop();
      const code = await withTimeout(exited, 15_000, `coffer did not exit after ${signal}`);

      assert.equal(code, 0, coffer.stderr());
      for (const [index, result] of slowResults.entries()) {
        assert.equal(result.status, 200, `slow request ${index}: ${result.text}`);
      }
      for (const result of burstResults) {
        if (result.status !== undefined) {
          assert.ok([200, 503].includes(result.status), `${result.requestId}: ${result.status} ${result.text}`);
        } else {
          assert.match(result.error ?? '', /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|EPIPE/, result.requestId);
        }
      }
      const byId = new Map(burstResults.map((result) => [result.requestId, result]));
      for (const line of logLines(coffer.stderr())) {
        const logged = typeof line.request_id === 'string' ? byId.get(line.request_id) : undefined;
        if (logged !== undefined && line.msg === 'request') {
          assert.equal(logged.status, line.status, `server answered ${line.request_id} but the client saw otherwise`);
        }
      }

      const restarted = await startCoffer({ dataDir });
      try {
        const blobs = [earlier, ...slowResults.map((result) => JSON.parse(result.text) as DataKeyBody)];
        for (const blob of blobs) {
          assert.equal((await decryptDataKey(restarted, blob.encrypted_keys)).data_key, blob.data_key);
        }
        const burstBlob = burstResults.find((result) => result.status === 200);
        assert.ok(burstBlob !== undefined);
        const parsed = JSON.parse(burstBlob.text) as DataKeyBody;
        assert.equal((await decryptDataKey(restarted, parsed.encrypted_keys)).data_key, parsed.data_key);
      } finally {
        await restarted.stop();
      }
    });
  }

  test('request during shutdown gets 503', async () => {
    const coffer = await startCoffer();
    const { first, second } = await pipelineDuringShutdown(coffer);
    assert.equal(first.status, 200);
    assert.equal(second.status, 503);
    assert.match(second.headers['content-type'] ?? '', /^application\/json\b/);
  });

  test('503 during shutdown follows error contract', async () => {
    const coffer = await startCoffer();
    const { second } = await pipelineDuringShutdown(coffer);
    assert.equal(second.status, 503);
    assert.match(second.headers['x-request-id'] ?? '', /\S/);
    assert.equal((JSON.parse(second.body) as { code?: string }).code, 'service_unavailable');
  });
});

interface SlowRequest {
  connected: Promise<void>;
  response: Promise<{ status: number; text: string }>;
  finish(): void;
}

/** Starts a create request on its own connection and sends only the first half of its body. */
function startSlowRequest(coffer: CofferProcess, requestId: string): SlowRequest {
  const body = JSON.stringify({ context: { organization_id: 'org_slow' } });
  const half = Math.floor(body.length / 2);
  let request!: http.ClientRequest;
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request = http.request(new URL(CREATE, coffer.url), {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${coffer.apiKey}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-request-id': requestId,
      },
    });
    request.on('response', (incoming) => {
      let text = '';
      incoming.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
    });
    request.on('error', reject);
  });
  const connected = new Promise<void>((resolve) => request.on('socket', (socket) => socket.on('connect', resolve)));
  request.write(body.slice(0, half));
  return { connected, response, finish: () => request.end(body.slice(half)) };
}

interface BurstResult {
  requestId: string;
  status?: number;
  text: string;
  error?: string;
}

/** Keeps `workers` create requests in flight back to back until `stop()`. */
function startBurst(coffer: CofferProcess, workers: number) {
  const results: BurstResult[] = [];
  let stopping = false;
  const body = JSON.stringify({ context: { organization_id: 'org_burst' } });

  const worker = async (workerIndex: number): Promise<void> => {
    for (let index = 0; !stopping; index++) {
      const requestId = `burst-${workerIndex}-${index}`;
      try {
        const response = await fetch(new URL(CREATE, coffer.url), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${coffer.apiKey}`,
            'content-type': 'application/json',
            'x-request-id': requestId,
          },
          body,
        });
        results.push({ requestId, status: response.status, text: await response.text() });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        results.push({ requestId, text: '', error: cause?.code ?? String(error) });
      }
    }
  };
  const running = Array.from({ length: workers }, (_, index) => worker(index));

  return {
    async reached(count: number): Promise<void> {
      while (results.length < count) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
    async stop(): Promise<BurstResult[]> {
      // Keep sending for a moment after the signal, so that requests meet the closing server.
      await new Promise((resolve) => setTimeout(resolve, 300));
      stopping = true;
      await Promise.all(running);
      return results;
    },
  };
}

interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends two pipelined requests on one connection: the first is held open by half a body while
 * SIGTERM arrives, and the second reaches the server only once it is closing.
 */
async function pipelineDuringShutdown(
  coffer: CofferProcess,
): Promise<{ first: RawHttpResponse; second: RawHttpResponse }> {
  const body = JSON.stringify({ context: { organization_id: 'org_pipeline' } });
  const head = (requestId: string): string =>
    `POST ${CREATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${coffer.apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\n\r\n`;

  const socket = net.connect(coffer.port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  await new Promise((resolve) => socket.on('connect', resolve));
  socket.write(head('pipeline-1') + body.slice(0, 5));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const exited = coffer.stop('SIGTERM');
  await waitForShutdownStart(coffer);
  socket.write(body.slice(5) + head('pipeline-2') + body);
  await withTimeout(closed, 10_000, 'server did not close the pipelined connection');
  assert.equal(await exited, 0);

  const responses = splitResponses(received);
  assert.equal(responses.length, 2, received);
  return { first: responses[0] as RawHttpResponse, second: responses[1] as RawHttpResponse };
}

/** Splits raw HTTP/1.1 responses that each carry a Content-Length. The bodies must be ASCII. */
function splitResponses(raw: string): RawHttpResponse[] {
  const responses: RawHttpResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    assert.ok(headerEnd > 0, rest);
    const [statusLine, ...headerLines] = rest.slice(0, headerEnd).split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers['content-length']);
    const bodyStart = headerEnd + 4;
    responses.push({
      status: Number(statusLine?.split(' ')[1]),
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

/** Waits until the server logs that it is stopping, which it does as it starts to close. */
async function waitForShutdownStart(coffer: CofferProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!coffer.stderr().includes('"msg":"stopping: finishing in-flight requests"')) {
    assert.ok(Date.now() < deadline, `no stopping line in the log:\n${coffer.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The signal handler logs the line and then starts the close in the same turn. The pause is a
  // margin for Fastify to mark itself closing.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
