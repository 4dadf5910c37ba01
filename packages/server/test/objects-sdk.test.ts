import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, queryDatabase, startCoffer } from '@coffer/testkit';
import { ConflictException, NotFoundException, type WorkOS } from '@workos-inc/node';
import { apiKeyId, CONTEXT, createApiKey, sdkFor } from './support/object-api.js';

const EMOJI = '\u{1F511}';

/** How far a server timestamp may be from this process's clock. */
const CLOCK_SLACK_MS = 5000;

/** A context whose keys are special to JavaScript objects, built so each one is an own key. */
const TRICKY_CONTEXT: Record<string, string> = Object.fromEntries([
  ['organization_id', 'org_tricky'],
  ['__proto__', 'proto-value'],
  ['constructor', 'ctor-value'],
]);

describe('objects through the Node SDK', () => {
  let coffer: CofferProcess;
  let workos: WorkOS;
  let bootstrapKeyId: string;
  let environmentId: string;
  let counter = 0;

  /** Returns a name that no other test in this file uses. */
  function uniqueName(label: string): string {
    counter += 1;
    return `sdk-${label}-${counter}`;
  }

  async function dataKeyIdOf(versionId: string): Promise<string> {
    const [row] = await queryDatabase<{ data_key_id: string }>(
      coffer.dataDir,
      'select data_key_id from object_versions where id = ?',
      [versionId],
    );
    assert.ok(row !== undefined, `no stored version ${versionId}`);
    return row.data_key_id;
  }

  before(async () => {
    coffer = await startCoffer();
    workos = sdkFor(coffer);
    bootstrapKeyId = await apiKeyId(coffer.dataDir, 'bootstrap');
    const [row] = await queryDatabase<{ id: string }>(
      coffer.dataDir,
      "select id from environments where name = 'default'",
    );
    assert.ok(row !== undefined);
    environmentId = row.id;
  });

  after(async () => {
    await coffer?.stop();
  });

  describe('metadata', () => {
    test('createObject returns full metadata', async () => {
      const startedAt = Date.now();
      const metadata = await workos.vault.createObject({ name: uniqueName('meta'), value: 'v', context: CONTEXT });

      assert.match(metadata.id, /^[0-9a-f-]{36}$/);
      assert.equal(metadata.environmentId, environmentId);
      assert.equal(typeof metadata.versionId, 'string');
      assert.equal(metadata.keyId, await dataKeyIdOf(metadata.versionId as string));
      assert.deepEqual(metadata.context, CONTEXT);
      assert.ok(metadata.updatedAt instanceof Date);
      assert.ok(Math.abs(metadata.updatedAt.getTime() - startedAt) < CLOCK_SLACK_MS, metadata.updatedAt.toISOString());
      assert.deepEqual(metadata.updatedBy, { id: bootstrapKeyId, name: 'bootstrap' });
    });

    test('context echoes __proto__ keys', async () => {
      const metadata = await workos.vault.createObject({
        name: uniqueName('proto'),
        value: 'v',
        context: TRICKY_CONTEXT,
      });
      const read = await workos.vault.readObject({ id: metadata.id });

      assert.deepEqual(Object.keys(metadata.context), ['organization_id', '__proto__', 'constructor']);
      assert.equal(Object.getOwnPropertyDescriptor(metadata.context, '__proto__')?.value, 'proto-value');
      assert.equal(metadata.context.constructor, 'ctor-value');
      assert.equal(Object.getPrototypeOf(metadata.context), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(read.metadata.context, '__proto__')?.value, 'proto-value');
      assert.deepEqual(Object.keys(read.metadata.context), ['organization_id', '__proto__', 'constructor']);
    });

    test('read, describe and create agree', async () => {
      const name = uniqueName('agree');
      const created = await workos.vault.createObject({ name, value: 'agreed value', context: CONTEXT });
      const byId = await workos.vault.readObject({ id: created.id });
      const byName = await workos.vault.readObjectByName(name);
      const described = await workos.vault.describeObject({ id: created.id });

      for (const [label, object] of [
        ['readObject', byId],
        ['readObjectByName', byName],
        ['describeObject', described],
      ] as const) {
        assert.equal(object.id, created.id, label);
        assert.equal(object.name, name, label);
        assert.deepEqual(object.metadata, created, label);
      }
      assert.equal(byId.value, 'agreed value');
      assert.equal(byName.value, 'agreed value');
      assert.equal(described.value, undefined);
    });

    test('readObjectByName accepts an options object', async () => {
      const name = uniqueName('options');
      const created = await workos.vault.createObject({ name, value: 'x', context: CONTEXT });
      const read = await workos.vault.readObjectByName({ name });
      assert.equal(read.id, created.id);
    });
  });

  describe('values', () => {
    const values: { label: string; value: string }[] = [
      { label: 'empty', value: '' },
      { label: 'emoji', value: `${EMOJI} 👩🏽‍💻 🇳🇿` },
      { label: 'CJK', value: '秘密の値、机密数据、비밀' },
      { label: 'RTL', value: 'مفتاح سري — סוד' },
      { label: 'combining marks', value: 'e\u0301 a\u0308 Z\u0335\u0321' },
      { label: 'NUL inside', value: 'before\u0000after\u0000' },
      { label: 'control characters', value: '\t\r\n\u0007\u001b[0m\u007f\u0085' },
      { label: 'JSON text', value: '{"value":"not parsed","n":1}' },
      { label: 'long ASCII', value: 'x'.repeat(64 * 1024) },
    ];

    for (const { label, value } of values) {
      test(`${label} value round-trips`, async () => {
        const name = uniqueName(`value-${label.replace(/\s/g, '-')}`);
        const created = await workos.vault.createObject({ name, value, context: CONTEXT });
        const byId = await workos.vault.readObject({ id: created.id });
        const byName = await workos.vault.readObjectByName(name);
        assert.equal(byId.value, value);
        assert.equal(byName.value, value);
      });
    }

    test('updated value round-trips', async () => {
      const created = await workos.vault.createObject({
        name: uniqueName('update-value'),
        value: 'a',
        context: CONTEXT,
      });
      const next = `${EMOJI}\u0000秘密`;
      await workos.vault.updateObject({ id: created.id, value: next });
      const read = await workos.vault.readObject({ id: created.id });
      assert.equal(read.value, next);
    });
  });

  describe('names', () => {
    const names: { label: string; name: string }[] = [
      { label: 'slash', name: 'path/to/secret' },
      { label: 'question mark', name: 'what?x=1&y=2' },
      { label: 'hash', name: 'anchor#fragment' },
      { label: 'percent', name: '100%25 %zz %' },
      { label: 'plus', name: 'a+b+c' },
      { label: 'spaces', name: '  leading and trailing  ' },
      { label: 'unicode', name: 'ключ-名前-מפתח-é' },
      { label: 'backslash and quotes', name: 'a\\b"c\'d' },
      { label: '200 ASCII', name: 'n'.repeat(200) },
      { label: '200 emoji', name: EMOJI.repeat(200) },
    ];

    for (const { label, name } of names) {
      test(`${label} name is stored exactly`, async () => {
        const created = await workos.vault.createObject({ name, value: `value of ${label}`, context: CONTEXT });
        const byName = await workos.vault.readObjectByName(name);
        const byId = await workos.vault.readObject({ id: created.id });
        assert.equal(byName.id, created.id);
        assert.equal(byName.name, name);
        assert.equal(byName.value, `value of ${label}`);
        assert.equal(byId.name, name);
      });
    }

    test('listObjects search finds odd names', async () => {
      const name = `${uniqueName('search')} 50%qq+/?#&=`;
      await workos.vault.createObject({ name, value: 'x', context: CONTEXT });
      const page = await workos.vault.listObjects({ search: '%qq+/?#&', limit: 100 });
      assert.deepEqual(
        page.data.map((item) => item.name),
        [name],
      );
    });

    test('deleted name is free again', async () => {
      const name = uniqueName('reuse');
      const first = await workos.vault.createObject({ name, value: 'first', context: CONTEXT });
      await workos.vault.updateObject({ id: first.id, value: 'first, second version' });
      await workos.vault.deleteObject({ id: first.id });

      const second = await workos.vault.createObject({ name, value: 'second', context: CONTEXT });
      const read = await workos.vault.readObjectByName(name);
      const versions = await workos.vault.listObjectVersions({ id: second.id });

      assert.notEqual(second.id, first.id);
      assert.equal(read.id, second.id);
      assert.equal(read.value, 'second');
      assert.equal(versions.length, 1);
      assert.equal(versions[0]?.id, second.versionId);
    });
  });

  describe('not found', () => {
    let deletedId: string;
    let deletedName: string;
    const unknownId = '00000000-0000-4000-8000-000000000000';

    before(async () => {
      deletedName = uniqueName('deleted');
      const created = await workos.vault.createObject({ name: deletedName, value: 'gone', context: CONTEXT });
      deletedId = created.id;
      await workos.vault.deleteObject({ id: deletedId });
    });

    const calls: { label: string; call: (vault: WorkOS['vault'], id: string, name: string) => Promise<unknown> }[] = [
      { label: 'readObject', call: (vault, id) => vault.readObject({ id }) },
      { label: 'readObjectByName', call: (vault, _id, name) => vault.readObjectByName(name) },
      { label: 'describeObject', call: (vault, id) => vault.describeObject({ id }) },
      { label: 'listObjectVersions', call: (vault, id) => vault.listObjectVersions({ id }) },
      { label: 'updateObject', call: (vault, id) => vault.updateObject({ id, value: 'x' }) },
      { label: 'deleteObject', call: (vault, id) => vault.deleteObject({ id }) },
    ];

    for (const { label, call } of calls) {
      test(`${label} of deleted object is NotFound`, async () => {
        await assert.rejects(call(workos.vault, deletedId, deletedName), NotFoundException);
      });

      test(`${label} of unknown object is NotFound`, async () => {
        await assert.rejects(call(workos.vault, unknownId, 'never-created'), NotFoundException);
      });
    }

    test('id that is not a UUID is NotFound', async () => {
      await assert.rejects(workos.vault.readObject({ id: 'not a uuid / at all' }), NotFoundException);
    });
  });

  describe('updates and versions', () => {
    test('update keeps the original context', async () => {
      const created = await workos.vault.createObject({
        name: uniqueName('context'),
        value: 'one',
        context: TRICKY_CONTEXT,
      });
      const updated = await workos.vault.updateObject({ id: created.id, value: 'two' });
      const described = await workos.vault.describeObject({ id: created.id });

      assert.deepEqual(updated.metadata.context, TRICKY_CONTEXT);
      assert.deepEqual(described.metadata.context, TRICKY_CONTEXT);
      assert.deepEqual(Object.keys(described.metadata.context), ['organization_id', '__proto__', 'constructor']);
    });

    test('update returns new version metadata', async () => {
      const created = await workos.vault.createObject({
        name: uniqueName('new-version'),
        value: 'a',
        context: CONTEXT,
      });
      const updated = await workos.vault.updateObject({ id: created.id, value: 'b' });

      assert.equal(updated.id, created.id);
      assert.equal(updated.value, undefined);
      assert.notEqual(updated.metadata.versionId, created.versionId);
      assert.notEqual(updated.metadata.keyId, created.keyId);
      assert.equal(updated.metadata.keyId, await dataKeyIdOf(updated.metadata.versionId as string));
      assert.equal(updated.metadata.environmentId, environmentId);
      assert.ok(updated.metadata.updatedAt.getTime() >= created.updatedAt.getTime());
    });

    test('versions are listed newest first', async () => {
      const values = ['first', 'é second', `${EMOJI} third`, ''];
      const created = await workos.vault.createObject({
        name: uniqueName('versions'),
        value: values[0] as string,
        context: CONTEXT,
      });
      const versionIds = [created.versionId];
      for (const value of values.slice(1)) {
        const updated = await workos.vault.updateObject({ id: created.id, value });
        versionIds.push(updated.metadata.versionId);
      }
      const versions = await workos.vault.listObjectVersions({ id: created.id });

      assert.deepEqual(
        versions.map((version) => version.id),
        [...versionIds].reverse(),
      );
      assert.deepEqual(
        versions.map((version) => version.size),
        values.map((value) => Buffer.byteLength(value, 'utf8')).reverse(),
      );
      assert.deepEqual(
        versions.map((version) => version.currentVersion),
        [true, false, false, false],
      );
      for (const version of versions) {
        assert.match(version.etag ?? '', /^[0-9a-f]{64}$/);
        assert.ok(version.createdAt instanceof Date);
        assert.ok(!Number.isNaN(version.createdAt.getTime()));
      }
      assert.equal(new Set(versions.map((version) => version.etag)).size, versions.length);
      for (let index = 1; index < versions.length; index++) {
        const newer = versions[index - 1]?.createdAt.getTime() as number;
        const older = versions[index]?.createdAt.getTime() as number;
        assert.ok(newer >= older, `version ${index} is newer than the one before it`);
      }
    });

    test('same value twice has distinct etags', async () => {
      const created = await workos.vault.createObject({ name: uniqueName('etag'), value: 'same', context: CONTEXT });
      await workos.vault.updateObject({ id: created.id, value: 'same' });
      const versions = await workos.vault.listObjectVersions({ id: created.id });
      assert.equal(versions.length, 2);
      assert.notEqual(versions[0]?.etag, versions[1]?.etag);
    });

    test('describe reports the current version', async () => {
      const created = await workos.vault.createObject({ name: uniqueName('current'), value: 'a', context: CONTEXT });
      const updated = await workos.vault.updateObject({ id: created.id, value: 'b' });
      const described = await workos.vault.describeObject({ id: created.id });
      const versions = await workos.vault.listObjectVersions({ id: created.id });
      const current = versions.filter((version) => version.currentVersion);

      assert.equal(described.metadata.versionId, updated.metadata.versionId);
      assert.equal(current.length, 1);
      assert.equal(current[0]?.id, described.metadata.versionId);
    });

    test('updatedBy follows the calling key', async () => {
      const second = await createApiKey(coffer.dataDir, 'second');
      const other = sdkFor(coffer, second.secret);
      const created = await workos.vault.createObject({ name: uniqueName('updated-by'), value: 'a', context: CONTEXT });

      const updated = await other.vault.updateObject({ id: created.id, value: 'b' });
      const described = await workos.vault.describeObject({ id: created.id });
      const read = await other.vault.readObject({ id: created.id });

      assert.deepEqual(created.updatedBy, { id: bootstrapKeyId, name: 'bootstrap' });
      assert.deepEqual(updated.metadata.updatedBy, { id: second.id, name: 'second' });
      assert.deepEqual(described.metadata.updatedBy, { id: second.id, name: 'second' });
      assert.equal(read.value, 'b');
    });
  });

  describe('version checks', () => {
    test('update with current versionCheck succeeds', async () => {
      const created = await workos.vault.createObject({ name: uniqueName('check-ok'), value: 'a', context: CONTEXT });
      const updated = await workos.vault.updateObject({
        id: created.id,
        value: 'b',
        versionCheck: created.versionId as string,
      });
      assert.notEqual(updated.metadata.versionId, created.versionId);
    });

    test('update with stale versionCheck conflicts', async () => {
      const created = await workos.vault.createObject({
        name: uniqueName('check-stale'),
        value: 'a',
        context: CONTEXT,
      });
      await workos.vault.updateObject({ id: created.id, value: 'b' });

      await assert.rejects(
        workos.vault.updateObject({ id: created.id, value: 'c', versionCheck: created.versionId as string }),
        ConflictException,
      );
      const read = await workos.vault.readObject({ id: created.id });
      const versions = await workos.vault.listObjectVersions({ id: created.id });
      assert.equal(read.value, 'b');
      assert.equal(versions.length, 2);
    });

    test('delete with stale versionCheck conflicts', async () => {
      const created = await workos.vault.createObject({
        name: uniqueName('delete-stale'),
        value: 'a',
        context: CONTEXT,
      });
      await workos.vault.updateObject({ id: created.id, value: 'b' });

      await assert.rejects(
        workos.vault.deleteObject({ id: created.id, versionCheck: created.versionId as string }),
        ConflictException,
      );
      const read = await workos.vault.readObject({ id: created.id });
      assert.equal(read.value, 'b');
    });

    test('delete with current versionCheck succeeds', async () => {
      const created = await workos.vault.createObject({ name: uniqueName('delete-ok'), value: 'a', context: CONTEXT });
      await workos.vault.deleteObject({ id: created.id, versionCheck: created.versionId as string });
      await assert.rejects(workos.vault.readObject({ id: created.id }), NotFoundException);
    });

    test('duplicate name conflicts', async () => {
      const name = uniqueName('duplicate');
      await workos.vault.createObject({ name, value: 'a', context: CONTEXT });
      await assert.rejects(workos.vault.createObject({ name, value: 'b', context: CONTEXT }), ConflictException);
    });
  });

  describe('listing', () => {
    test('listObjects parses summaries', async () => {
      const name = uniqueName('summary');
      const created = await workos.vault.createObject({ name, value: 'a', context: CONTEXT });
      const page = await workos.vault.listObjects({ search: name, limit: 100 });

      assert.equal(page.data.length, 1);
      assert.equal(page.data[0]?.id, created.id);
      assert.equal(page.data[0]?.name, name);
      assert.equal(page.data[0]?.updatedAt?.getTime(), created.updatedAt.getTime());
      assert.equal(page.listMetadata.after, null);
      assert.equal(page.listMetadata.before, null);
    });
  });
});
