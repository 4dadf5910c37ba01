import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { runCoffer } from './run-coffer.js';

let server: CofferProcess;

before(async () => {
  server = await startCoffer();
});

after(async () => {
  await server.stop();
});

async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return port;
}

/** Counts the non-empty lines of stderr: every error must be one line without a stack trace. */
function lines(text: string): number {
  return text.split('\n').filter((line) => line.length > 0).length;
}

const clientCommands: string[][] = [
  ['data-key', 'create', '--context', 't=1'],
  ['kv', 'list'],
  ['kv', 'get', 'name'],
];

describe('client command errors', () => {
  test('unreachable server exits 3', async () => {
    const port = await closedPort();

    const result = await runCoffer(undefined, ['kv', 'list'], {
      env: { COFFER_URL: `http://127.0.0.1:${port}`, COFFER_API_KEY: 'sk_test_any' },
    });

    assert.equal(result.code, 3);
    assert.match(result.stderr, /^coffer: cannot reach http:\/\/127\.0\.0\.1:\d+\/vault\/v1\/kv: .*ECONNREFUSED/);
    assert.equal(lines(result.stderr), 1);
  });

  test('--url overrides COFFER_URL', async () => {
    const port = await closedPort();

    const result = await runCoffer(server, ['kv', 'list', '--url', `http://127.0.0.1:${port}`]);

    assert.equal(result.code, 3);
  });

  test('wrong API key exits 1', async () => {
    for (const args of clientCommands) {
      const result = await runCoffer(server, args, { env: { COFFER_API_KEY: 'sk_test_wrong' } });

      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, /HTTP 401, invalid_api_key.*check COFFER_API_KEY/, args.join(' '));
      assert.equal(lines(result.stderr), 1, args.join(' '));
    }
  });

  test('--api-key overrides COFFER_API_KEY', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--api-key', server.apiKey], {
      env: { COFFER_API_KEY: 'sk_test_wrong' },
    });

    assert.equal(result.code, 0, result.stderr);
  });

  test('missing API key exits 2', async () => {
    for (const args of clientCommands) {
      const result = await runCoffer(server, args, { env: { COFFER_API_KEY: undefined } });

      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^coffer: missing API key: set COFFER_API_KEY=sk_\.\.\. or pass --api-key/);
      assert.equal(lines(result.stderr), 1);
    }
  });

  test('invalid URL exits 2', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--url', 'ftp://127.0.0.1']);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /must use http or https/);
  });

  test('unknown option exits 2', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--colour']);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--colour'/);
  });

  test('missing argument exits 2', async () => {
    const result = await runCoffer(server, ['kv', 'put']);

    assert.equal(result.code, 2);
  });

  test('--timeout not a number exits 2', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--timeout', 'soon']);

    assert.equal(result.code, 2);
  });

  test('help exits 0', async () => {
    for (const args of [
      ['--help'],
      ['kv', 'put', '--help'],
      ['encrypt', '--help'],
      ['data-key', 'decrypt', '--help'],
    ]) {
      const result = await runCoffer(server, args);

      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout.toString(), /Usage: coffer/);
    }
  });

  test('client help explains server selection', async () => {
    const result = await runCoffer(server, ['decrypt', '--help']);
    const help = result.stdout.toString();

    assert.match(help, /COFFER_URL/);
    assert.match(help, /COFFER_API_KEY/);
    assert.match(help, /--timeout <seconds> +time limit of each HTTP request, in seconds/);
    assert.match(help, /output may be partial/);
  });
});
