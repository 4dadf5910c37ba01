import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { CofferApiError, CofferClient } from '../src/index.js';

let coffer: CofferProcess;
let client: CofferClient;

before(async () => {
  coffer = await startCoffer();
  client = new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey });
});

after(async () => {
  await coffer.stop();
});

const context = { app: 'billing' };

describe('objects', () => {
  test('create then read by id and name', async () => {
    const metadata = await client.createObject({ name: 'db/password #1', value: 'hunter2', context });

    const byId = await client.readObject({ id: metadata.id });
    const byName = await client.readObjectByName('db/password #1');

    assert.equal(byId.value, 'hunter2');
    assert.equal(byName.id, metadata.id);
    assert.equal(byName.metadata.versionId, metadata.versionId);
    assert.deepEqual(byId.metadata.context, context);
    assert.ok(byId.metadata.updatedAt instanceof Date);
  });

  test('empty and NUL values round trip', async () => {
    const empty = await client.createObject({ name: 'empty value', value: '', context });
    const nul = await client.createObject({ name: 'nul value', value: 'a\u0000b', context });

    assert.equal((await client.readObject({ id: empty.id })).value, '');
    assert.equal((await client.readObject({ id: nul.id })).value, 'a\u0000b');
  });

  test('describe omits value', async () => {
    const metadata = await client.createObject({ name: 'described', value: 'secret', context });

    const described = await client.describeObject({ id: metadata.id });

    assert.equal(described.name, 'described');
    assert.equal('value' in described, false);
    assert.equal(described.metadata.versionId, metadata.versionId);
  });

  test('update with version check', async () => {
    const created = await client.createObject({ name: 'rotated', value: 'v1', context });

    const updated = await client.updateObject({ id: created.id, value: 'v2', versionCheck: created.versionId });

    assert.notEqual(updated.metadata.versionId, created.versionId);
    assert.equal((await client.readObject({ id: created.id })).value, 'v2');
  });

  test('stale version check conflicts', async () => {
    const created = await client.createObject({ name: 'stale', value: 'v1', context });
    await client.updateObject({ id: created.id, value: 'v2' });

    const error = await client
      .updateObject({ id: created.id, value: 'v3', versionCheck: created.versionId })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'conflict');
    assert.equal(error.code, 'version_conflict');
  });

  test('versions listed newest first', async () => {
    const created = await client.createObject({ name: 'versioned', value: 'v1', context });
    const updated = await client.updateObject({ id: created.id, value: 'v22' });

    const versions = await client.listObjectVersions({ id: created.id });

    assert.deepEqual(
      versions.map((version) => version.id),
      [updated.metadata.versionId, created.versionId],
    );
    assert.deepEqual(
      versions.map((version) => version.currentVersion),
      [true, false],
    );
    assert.ok(versions[0]?.createdAt instanceof Date);
    assert.equal(typeof versions[0]?.etag, 'string');
  });

  test('delete with stale check conflicts', async () => {
    const created = await client.createObject({ name: 'guarded delete', value: 'v1', context });
    await client.updateObject({ id: created.id, value: 'v2' });

    const error = await client
      .deleteObject({ id: created.id, versionCheck: created.versionId })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'conflict');
  });

  test('delete then read is not_found', async () => {
    const created = await client.createObject({ name: 'deleted', value: 'v1', context });

    const result = await client.deleteObject({ id: created.id, versionCheck: created.versionId });
    const error = await client.readObject({ id: created.id }).catch((caught: unknown) => caught);

    assert.deepEqual(result, { name: 'deleted', success: true });
    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'not_found');
  });
});

describe('listing', () => {
  const names = Array.from({ length: 23 }, (_, index) => `page-item-${String(index).padStart(2, '0')}`);

  before(async () => {
    for (const name of names) {
      await client.createObject({ name, value: 'v', context });
    }
  });

  test('one page honours limit', async () => {
    const page = await client.listObjects({ search: 'page-item-', limit: 5 });

    assert.equal(page.data.length, 5);
    assert.equal(typeof page.listMetadata.after, 'string');
  });

  test('iterator visits every page', async () => {
    const seen: string[] = [];
    for await (const summary of client.listAllObjects({ search: 'page-item-', limit: 4, order: 'asc' })) {
      seen.push(summary.name);
    }

    assert.deepEqual(seen, names);
  });

  test('search filters by substring', async () => {
    const page = await client.listObjects({ search: 'item-1', limit: 100 });

    assert.deepEqual(
      page.data.map((summary) => summary.name).sort(),
      names.filter((name) => name.includes('item-1')),
    );
  });

  test('updatedAfter excludes older objects', async () => {
    const page = await client.listObjects({ search: 'page-item-', updatedAfter: new Date(Date.now() + 60_000) });

    assert.equal(page.data.length, 0);
  });
});
