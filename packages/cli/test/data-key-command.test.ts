import assert from 'node:assert/strict';
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

describe('coffer data-key', () => {
  test('create prints key and blob', async () => {
    const result = await runCoffer(server, ['data-key', 'create', '--context', 'organization_id=org_1']);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /^id: \S+\ndata_key: \S+\nencrypted_keys: \S+\n$/);
  });

  test('create --json shape', async () => {
    const result = await runCoffer(server, ['data-key', 'create', '--context', 'b=2', '--context', 'a=1=x', '--json']);
    const output = JSON.parse(result.stdout.toString());

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Object.keys(output), ['id', 'data_key', 'encrypted_keys', 'context']);
    assert.equal(Buffer.from(output.data_key, 'base64').length, 32);
    assert.deepEqual(output.context, { b: '2', a: '1=x' });
  });

  test('decrypt argument returns same key', async () => {
    const created = JSON.parse(
      (await runCoffer(server, ['data-key', 'create', '--context', 't=1', '--json'])).stdout.toString(),
    );

    const result = await runCoffer(server, ['data-key', 'decrypt', created.encrypted_keys, '--json']);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout.toString()), { id: created.id, data_key: created.data_key });
  });

  test('decrypt reads blob from stdin', async () => {
    const created = JSON.parse(
      (await runCoffer(server, ['data-key', 'create', '--context', 't=1', '--json'])).stdout.toString(),
    );

    const result = await runCoffer(server, ['data-key', 'decrypt', '-'], { input: `${created.encrypted_keys}\n` });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), `id: ${created.id}\ndata_key: ${created.data_key}\n`);
  });

  test('create without context is usage error', async () => {
    const result = await runCoffer(server, ['data-key', 'create']);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs at least one --context/);
  });

  test('malformed context is usage error', async () => {
    const result = await runCoffer(server, ['data-key', 'create', '--context', 'no-equals-sign']);

    assert.equal(result.code, 2);
    assert.match(result.stderr, /key=value/);
  });

  test('repeated context key is usage error', async () => {
    const result = await runCoffer(server, ['data-key', 'create', '--context', 'a=1', '--context', 'a=2']);

    assert.equal(result.code, 2);
  });

  test('server-side context rule fails', async () => {
    const result = await runCoffer(server, ['data-key', 'create', '--context', `k=${'v'.repeat(501)}`]);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 422/);
  });

  test('malformed blob fails', async () => {
    const result = await runCoffer(server, ['data-key', 'decrypt', 'AAAA']);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 400, invalid_encrypted_keys/);
    assert.equal(result.stderr.split('\n').filter((line) => line.length > 0).length, 1);
  });
});
