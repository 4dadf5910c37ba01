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

async function runJson(args: string[], input?: string) {
  const result = await runCoffer(server, [...args, '--json'], input === undefined ? {} : { input });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString());
}

const metadataKeys = ['id', 'environment_id', 'key_id', 'context', 'updated_at', 'updated_by', 'version_id'];

describe('coffer kv', () => {
  test('put then get by name', async () => {
    const put = await runCoffer(server, ['kv', 'put', 'db/password one', 'hunter2', '--context', 'app=billing']);
    const get = await runCoffer(server, ['kv', 'get', 'db/password one']);

    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout.toString(), /^created "db\/password one" \(id \S+, version \S+\)\n$/);
    assert.equal(get.stdout.toString(), 'hunter2');
  });

  test('put reads value from stdin', async () => {
    await runJson(['kv', 'put', 'from-stdin', '-', '--context', 'app=billing'], 'line one\nline two\n');

    const get = await runCoffer(server, ['kv', 'get', 'from-stdin']);

    assert.equal(get.stdout.toString(), 'line one\nline two\n');
  });

  test('put --json shape', async () => {
    const output = await runJson(['kv', 'put', 'json-shape', 'v', '--context', 'app=billing']);

    assert.deepEqual(Object.keys(output), ['id', 'name', 'metadata']);
    assert.equal(output.name, 'json-shape');
    assert.deepEqual(Object.keys(output.metadata), metadataKeys);
    assert.deepEqual(output.metadata.context, { app: 'billing' });
  });

  test('get --json shape', async () => {
    const created = await runJson(['kv', 'put', 'get-shape', 'value', '--context', 'app=billing']);

    const output = await runJson(['kv', 'get', '--id', created.id]);

    assert.deepEqual(Object.keys(output), ['id', 'name', 'value', 'metadata']);
    assert.equal(output.value, 'value');
    assert.equal(output.metadata.version_id, created.metadata.version_id);
  });

  test('put on taken name fails', async () => {
    await runJson(['kv', 'put', 'taken-name', 'v1', '--context', 'app=billing']);

    const result = await runCoffer(server, ['kv', 'put', 'taken-name', 'v2', '--context', 'app=billing']);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /already exists; add --update/);
  });

  test('put --update stores new version', async () => {
    const created = await runJson(['kv', 'put', 'updated', 'v1', '--context', 'app=billing']);

    const updated = await runJson(['kv', 'put', 'updated', 'v2', '--update']);
    const get = await runCoffer(server, ['kv', 'get', 'updated']);

    assert.equal(updated.id, created.id);
    assert.notEqual(updated.metadata.version_id, created.metadata.version_id);
    assert.equal(get.stdout.toString(), 'v2');
  });

  test('stale --version-check fails', async () => {
    const created = await runJson(['kv', 'put', 'checked', 'v1', '--context', 'app=billing']);
    await runJson(['kv', 'put', 'checked', 'v2', '--update']);

    const result = await runCoffer(server, [
      'kv',
      'put',
      'checked',
      'v3',
      '--version-check',
      created.metadata.version_id,
    ]);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 409, version_conflict/);
  });

  test('current --version-check succeeds', async () => {
    const created = await runJson(['kv', 'put', 'checked-ok', 'v1', '--context', 'app=billing']);

    const result = await runCoffer(server, [
      'kv',
      'put',
      'checked-ok',
      'v2',
      '--version-check',
      created.metadata.version_id,
    ]);

    assert.equal(result.code, 0, result.stderr);
  });

  test('describe --json omits value', async () => {
    const created = await runJson(['kv', 'put', 'described', 'secret', '--context', 'app=billing']);

    const output = await runJson(['kv', 'describe', 'described']);

    assert.deepEqual(Object.keys(output), ['id', 'name', 'metadata']);
    assert.equal(output.id, created.id);
    assert.equal(JSON.stringify(output).includes('secret'), false);
  });

  test('describe prints fields', async () => {
    await runJson(['kv', 'put', 'described-text', 'v', '--context', 'app=billing']);

    const result = await runCoffer(server, ['kv', 'describe', 'described-text']);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /^name: +described-text$/m);
    assert.match(result.stdout.toString(), /^context: +app=billing$/m);
  });

  test('versions --json newest first', async () => {
    const created = await runJson(['kv', 'put', 'versioned', 'v1', '--context', 'app=billing']);
    const updated = await runJson(['kv', 'put', 'versioned', 'v22', '--update']);

    const output = await runJson(['kv', 'versions', 'versioned']);

    assert.deepEqual(
      output.data.map((version: { id: string }) => version.id),
      [updated.metadata.version_id, created.metadata.version_id],
    );
    assert.deepEqual(Object.keys(output.data[0]), ['id', 'created_at', 'current_version', 'size', 'etag']);
  });

  test('versions text marks current', async () => {
    await runJson(['kv', 'put', 'versioned-text', 'v1', '--context', 'app=billing']);

    const result = await runCoffer(server, ['kv', 'versions', 'versioned-text']);

    assert.match(result.stdout.toString(), /^\S+\t\S+\t2\tcurrent\n$/);
  });

  test('delete by name', async () => {
    await runJson(['kv', 'put', 'doomed', 'v', '--context', 'app=billing']);

    const deleted = await runCoffer(server, ['kv', 'delete', 'doomed']);
    const get = await runCoffer(server, ['kv', 'get', 'doomed']);

    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /HTTP 404/);
  });

  test('delete --id --json shape', async () => {
    const created = await runJson(['kv', 'put', 'doomed-json', 'v', '--context', 'app=billing']);

    const output = await runJson(['kv', 'delete', '--id', created.id, '--version-check', created.metadata.version_id]);

    assert.deepEqual(output, { id: created.id, name: 'doomed-json', deleted: true });
  });

  test('unknown name fails', async () => {
    const result = await runCoffer(server, ['kv', 'describe', 'no-such-object']);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /no object is named "no-such-object"/);
  });

  test('name and --id together is usage error', async () => {
    const result = await runCoffer(server, ['kv', 'get', 'name', '--id', 'id']);

    assert.equal(result.code, 2);
  });

  test('put without context is usage error', async () => {
    const result = await runCoffer(server, ['kv', 'put', 'no-context', 'v']);

    assert.equal(result.code, 2);
  });

  test('--update with --context is usage error', async () => {
    const result = await runCoffer(server, ['kv', 'put', 'x', 'v', '--update', '--context', 'a=b']);

    assert.equal(result.code, 2);
  });
});

describe('coffer kv list', () => {
  const names = Array.from({ length: 12 }, (_, index) => `listed-${String(index).padStart(2, '0')}`);

  before(async () => {
    for (const name of names) {
      await runJson(['kv', 'put', name, 'v', '--context', 'app=billing']);
    }
  });

  test('one page with --limit', async () => {
    const output = await runJson(['kv', 'list', '--search', 'listed-', '--limit', '5']);

    assert.equal(output.data.length, 5);
    assert.deepEqual(Object.keys(output.data[0]), ['id', 'name', 'updated_at']);
    assert.equal(typeof output.list_metadata.after, 'string');
  });

  test('--after continues the listing', async () => {
    const first = await runJson(['kv', 'list', '--search', 'listed-', '--limit', '5', '--order', 'asc']);

    const second = await runJson([
      'kv',
      'list',
      '--search',
      'listed-',
      '--limit',
      '5',
      '--order',
      'asc',
      '--after',
      first.list_metadata.after,
    ]);

    assert.deepEqual(
      second.data.map((item: { name: string }) => item.name),
      names.slice(5, 10),
    );
  });

  test('--all fetches every page', async () => {
    const output = await runJson(['kv', 'list', '--search', 'listed-', '--all', '--limit', '5', '--order', 'asc']);

    assert.deepEqual(
      output.data.map((item: { name: string }) => item.name),
      names,
    );
    assert.deepEqual(output.list_metadata, { before: null, after: null });
  });

  test('text output and next cursor', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--search', 'listed-', '--limit', '2']);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString().trim().split('\n').length, 2);
    assert.match(result.stdout.toString(), /^listed-\d\d\t\S+\t\S+Z$/m);
    assert.match(result.stderr, /more objects follow: add --after \S+/);
  });

  test('--limit out of range is usage error', async () => {
    const result = await runCoffer(server, ['kv', 'list', '--limit', '101']);

    assert.equal(result.code, 2);
  });
});
