import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { newId } from '../../src/ids.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type {
  ApiKeyRecord,
  EnvironmentRecord,
  EventRecord,
  IdempotencyRecord,
  KekRecord,
  KekVersionRecord,
  ObjectListQuery,
  ObjectRecord,
  ObjectVersionRecord,
} from '../../src/storage/records.js';
import type { Database } from '../../src/storage/schema.js';
import type { ObjectInsert, ObjectUpdate, Storage } from '../../src/storage/storage.js';
import { BACKENDS, cleanUpTestDatabases, freshLocation } from './test-databases.js';

/** Start of the test clock, in microseconds; each call of `tick()` moves it on by one. */
let clock = Date.now() * 1000;
function tick(): number {
  clock += 1;
  return clock;
}

/**
 * The storage's own Kysely instance, for checks that the Storage interface has no method for,
 * such as counting events. Only tests reach past the interface like this.
 */
function databaseOf(storage: Storage): Kysely<Database> {
  return (storage as unknown as { db: Kysely<Database> }).db;
}

async function countEvents(storage: Storage, environmentId: string, event: string): Promise<number> {
  const row = await databaseOf(storage)
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('environment_id', '=', environmentId)
    .where('event', '=', event)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

function environmentRecord(name = `env-${randomUUID()}`): EnvironmentRecord {
  return { id: newId('environment'), name, createdAt: tick() };
}

function apiKeyRecord(environmentId: string, name: string): ApiKeyRecord {
  return {
    id: newId('key'),
    environmentId,
    name,
    secretHash: randomBytes(32),
    secretHint: 'abcd',
    createdAt: tick(),
    revokedAt: null,
  };
}

function eventRecord(environmentId: string, event: string, index = 0): EventRecord {
  return {
    id: newId('event'),
    environmentId,
    event,
    organizationId: index % 2 === 0 ? 'org_contract' : null,
    data: JSON.stringify({ index }),
    createdAt: tick(),
  };
}

function kekRecords(environmentId: string, contextValue: string): { kek: KekRecord; version: KekVersionRecord } {
  const id = randomUUID();
  const createdAt = tick();
  return {
    kek: {
      id,
      environmentId,
      contextKey: 'organization_id',
      contextValue,
      state: 'active',
      currentVersion: 1,
      createdAt,
    },
    version: { kekId: id, version: 1, wrappedMaterial: randomBytes(60), provider: 'local', createdAt },
  };
}

function versionRecord(objectId: string, createdAt = tick()): ObjectVersionRecord {
  const ciphertext = randomBytes(48);
  return {
    id: randomUUID(),
    objectId,
    dataKeyId: randomUUID(),
    encryptedKeys: randomBytes(90),
    ciphertext,
    size: 20,
    etag: ciphertext.toString('hex').slice(0, 64),
    createdAt,
  };
}

function objectInsert(
  environmentId: string,
  name: string,
  options: { createdAt?: number; idempotency?: IdempotencyRecord } = {},
): ObjectInsert {
  const createdAt = options.createdAt ?? tick();
  const id = randomUUID();
  const version = versionRecord(id, createdAt);
  const object: ObjectRecord = {
    id,
    environmentId,
    name,
    context: [['organization_id', 'org_contract']],
    currentVersionId: version.id,
    createdAt,
    updatedAt: createdAt,
    updatedById: 'key_contract',
    updatedByName: 'contract',
  };
  return {
    object,
    version,
    events: [eventRecord(environmentId, 'vault.kv.created')],
    idempotency: options.idempotency,
  };
}

function idempotencyRecord(apiKeyId: string, idempotencyKey: string): IdempotencyRecord {
  return {
    apiKeyId,
    idempotencyKey,
    requestHash: randomBytes(32),
    responseStatus: 201,
    responseBody: '{"id":"first"}',
    createdAt: tick(),
  };
}

function listQuery(environmentId: string, changes: Partial<ObjectListQuery> = {}): ObjectListQuery {
  return {
    environmentId,
    limit: 3,
    order: 'asc',
    after: undefined,
    before: undefined,
    search: undefined,
    updatedAfter: undefined,
    ...changes,
  };
}

/**
 * Compares objects in ascending list order: creation time, then id in byte order, which is the
 * database's order because the test clusters use the C collation.
 */
function compareListOrder(a: ObjectRecord, b: ObjectRecord): number {
  if (a.createdAt !== b.createdAt) {
    return a.createdAt - b.createdAt;
  }
  if (a.id === b.id) {
    return 0;
  }
  return a.id < b.id ? -1 : 1;
}

function cursorOf(object: ObjectRecord): { createdAt: number; id: string } {
  return { createdAt: object.createdAt, id: object.id };
}

for (const backend of BACKENDS) {
  describe(`${backend} storage contract`, () => {
    let storage: Storage;

    /** Creates an environment for one test, so that tests do not see each other's rows. */
    async function newEnvironment(): Promise<EnvironmentRecord> {
      return storage.insertEnvironment(environmentRecord());
    }

    before(async () => {
      storage = await openStorage(await freshLocation(backend));
    });

    after(async () => {
      await storage?.close();
    });

    test(`${backend}: reports its backend`, () => {
      assert.equal(storage.backend, backend);
    });

    test(`${backend}: meta keeps the first value`, async () => {
      assert.equal(await storage.getMeta('contract_missing'), undefined);
      assert.equal(await storage.insertMetaIfAbsent('contract_meta', 'first'), 'first');
      assert.equal(await storage.insertMetaIfAbsent('contract_meta', 'second'), 'first');
      assert.equal(await storage.getMeta('contract_meta'), 'first');
    });

    test(`${backend}: environment names are unique`, async () => {
      const first = environmentRecord();
      const stored = await storage.insertEnvironment(first);
      const again = await storage.insertEnvironment({ ...environmentRecord(first.name) });

      assert.deepEqual(stored, first);
      assert.deepEqual(again, first);
      assert.deepEqual(await storage.findEnvironmentByName(first.name), first);
      assert.deepEqual(await storage.findEnvironmentById(first.id), first);
      assert.equal(await storage.findEnvironmentById('environment_missing'), undefined);
    });

    test(`${backend}: environments list in creation order`, async () => {
      const names = [environmentRecord(), environmentRecord(), environmentRecord()];
      for (const environment of names) {
        await storage.insertEnvironment(environment);
      }
      const listed = (await storage.listEnvironments()).map((environment) => environment.id);
      const positions = names.map((environment) => listed.indexOf(environment.id));

      assert.ok(positions.every((position) => position >= 0));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
      );
    });

    test(`${backend}: API keys round trip`, async () => {
      const environment = await newEnvironment();
      const before = await storage.countApiKeys();
      const key = apiKeyRecord(environment.id, 'contract');
      await storage.insertApiKey(key);

      assert.deepEqual(await storage.findApiKeyByHash(key.secretHash), key);
      assert.deepEqual(await storage.findApiKeyById(key.id), key);
      assert.equal(await storage.findApiKeyByHash(randomBytes(32)), undefined);
      assert.equal(await storage.countApiKeys(), before + 1);
      assert.ok((await storage.listApiKeys()).some((listed) => listed.id === key.id));
    });

    test(`${backend}: API key revokes once`, async () => {
      const environment = await newEnvironment();
      const key = apiKeyRecord(environment.id, 'revoked');
      await storage.insertApiKey(key);
      const revokedAt = tick();

      assert.equal(await storage.revokeApiKey(key.id, revokedAt), true);
      assert.equal(await storage.revokeApiKey(key.id, tick()), false);
      assert.equal(await storage.revokeApiKey('key_missing', tick()), false);
      assert.equal((await storage.findApiKeyById(key.id))?.revokedAt, revokedAt);
    });

    test(`${backend}: duplicate API key hash is rejected`, async () => {
      const environment = await newEnvironment();
      const key = apiKeyRecord(environment.id, 'original');
      await storage.insertApiKey(key);
      const copy = { ...apiKeyRecord(environment.id, 'copy'), secretHash: key.secretHash };

      await assert.rejects(storage.insertApiKey(copy));
    });

    test(`${backend}: KEK found by context and version`, async () => {
      const environment = await newEnvironment();
      const { kek, version } = kekRecords(environment.id, 'org_found');
      const inserted = await storage.insertKek(kek, version, []);

      assert.equal(inserted.created, true);
      assert.deepEqual(await storage.findKekByContext(environment.id, 'organization_id', 'org_found'), {
        kek,
        version,
      });
      assert.deepEqual(await storage.findKekVersion(kek.id, 1), { kek, version });
      assert.equal(await storage.findKekVersion(kek.id, 2), undefined);
      assert.equal(await storage.findKekByContext(environment.id, 'organization_id', 'org_other'), undefined);
    });

    test(`${backend}: KEK insert race has one winner`, async () => {
      const environment = await newEnvironment();
      const attempts = Array.from({ length: 20 }, () => kekRecords(environment.id, 'org_race'));
      const results = await Promise.all(
        attempts.map(({ kek, version }) =>
          storage.insertKek(kek, version, [eventRecord(environment.id, 'vault.kek.created')]),
        ),
      );
      const winners = results.filter((result) => result.created);
      const winnerId = winners[0]?.kek.id;
      const stored = await storage.findKekByContext(environment.id, 'organization_id', 'org_race');

      assert.equal(winners.length, 1);
      assert.ok(results.every((result) => result.kek.id === winnerId));
      assert.ok(
        results.every((result) =>
          result.version.wrappedMaterial.equals(winners[0]?.version.wrappedMaterial ?? Buffer.alloc(0)),
        ),
      );
      assert.equal(stored?.kek.id, winnerId);
      assert.equal(await countEvents(storage, environment.id, 'vault.kek.created'), 1);
    });

    test(`${backend}: events append in chunks`, async () => {
      const environment = await newEnvironment();
      const events = Array.from({ length: 1_201 }, (_, index) => eventRecord(environment.id, 'vault.contract', index));
      await storage.appendEvents(events);
      await storage.appendEvents([]);

      assert.equal(await countEvents(storage, environment.id, 'vault.contract'), 1_201);
    });

    test(`${backend}: event rows keep their fields`, async () => {
      const environment = await newEnvironment();
      const event = eventRecord(environment.id, 'vault.fields');
      await storage.appendEvents([event]);
      const row = await databaseOf(storage)
        .selectFrom('events')
        .selectAll()
        .where('id', '=', event.id)
        .executeTakeFirstOrThrow();

      assert.deepEqual(
        {
          id: row.id,
          environmentId: row.environment_id,
          event: row.event,
          organizationId: row.organization_id,
          data: row.data,
          createdAt: Number(row.created_at),
        },
        event,
      );
    });

    test(`${backend}: object insert and find`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'find-me');

      assert.deepEqual(await storage.insertObject(insert), { status: 'created' });
      assert.deepEqual(await storage.findObjectById(environment.id, insert.object.id), {
        object: insert.object,
        version: insert.version,
      });
      assert.deepEqual((await storage.findObjectByName(environment.id, 'find-me'))?.object, insert.object);
      assert.equal(await storage.findObjectByName(environment.id, 'missing'), undefined);
      assert.equal(await countEvents(storage, environment.id, 'vault.kv.created'), 1);
    });

    test(`${backend}: object names are unique per environment`, async () => {
      const environment = await newEnvironment();
      const other = await newEnvironment();
      await storage.insertObject(objectInsert(environment.id, 'taken'));

      assert.deepEqual(await storage.insertObject(objectInsert(environment.id, 'taken')), { status: 'name_taken' });
      assert.deepEqual(await storage.insertObject(objectInsert(other.id, 'taken')), { status: 'created' });
      assert.equal(await countEvents(storage, environment.id, 'vault.kv.created'), 1);
    });

    test(`${backend}: concurrent inserts of one name`, async () => {
      const environment = await newEnvironment();
      const results = await Promise.all(
        Array.from({ length: 12 }, () => storage.insertObject(objectInsert(environment.id, 'contested'))),
      );

      assert.equal(results.filter((result) => result.status === 'created').length, 1);
      assert.equal(results.filter((result) => result.status === 'name_taken').length, 11);
    });

    test(`${backend}: idempotency key replays`, async () => {
      const environment = await newEnvironment();
      const record = idempotencyRecord('key_idempotent', 'request-1');
      const first = await storage.insertObject(objectInsert(environment.id, 'idem-1', { idempotency: record }));
      const repeat = await storage.insertObject(
        objectInsert(environment.id, 'idem-2', { idempotency: idempotencyRecord('key_idempotent', 'request-1') }),
      );

      assert.deepEqual(first, { status: 'created' });
      assert.deepEqual(repeat, { status: 'idempotency_key_taken', existing: record });
      assert.equal(await storage.findObjectByName(environment.id, 'idem-2'), undefined);
      assert.deepEqual(await storage.findIdempotencyRecord('key_idempotent', 'request-1'), record);
    });

    test(`${backend}: idempotency keys are per API key`, async () => {
      const environment = await newEnvironment();
      const first = idempotencyRecord('key_first', 'shared');
      const second = idempotencyRecord('key_second', 'shared');

      assert.deepEqual(await storage.insertObject(objectInsert(environment.id, 'per-key-1', { idempotency: first })), {
        status: 'created',
      });
      assert.deepEqual(await storage.insertObject(objectInsert(environment.id, 'per-key-2', { idempotency: second })), {
        status: 'created',
      });
    });

    test(`${backend}: failed insert releases idempotency key`, async () => {
      const environment = await newEnvironment();
      await storage.insertObject(objectInsert(environment.id, 'occupied'));
      const record = idempotencyRecord('key_released', 'retry-me');
      const clash = await storage.insertObject(objectInsert(environment.id, 'occupied', { idempotency: record }));

      assert.deepEqual(clash, { status: 'name_taken' });
      assert.equal(await storage.findIdempotencyRecord('key_released', 'retry-me'), undefined);
    });

    test(`${backend}: idempotency records expire`, async () => {
      const environment = await newEnvironment();
      const old = idempotencyRecord('key_expiry', 'old');
      await storage.insertObject(objectInsert(environment.id, 'expiry-old', { idempotency: old }));
      const cutoff = tick();
      const recent = idempotencyRecord('key_expiry', 'recent');
      await storage.insertObject(objectInsert(environment.id, 'expiry-recent', { idempotency: recent }));

      assert.ok((await storage.deleteIdempotencyRecords(cutoff)) >= 1);
      assert.equal(await storage.findIdempotencyRecord('key_expiry', 'old'), undefined);
      assert.deepEqual(await storage.findIdempotencyRecord('key_expiry', 'recent'), recent);
    });

    test(`${backend}: update checks the version`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'versioned');
      await storage.insertObject(insert);
      const next = versionRecord(insert.object.id);
      const update = (changes: Partial<ObjectUpdate> = {}): ObjectUpdate => ({
        environmentId: environment.id,
        objectId: insert.object.id,
        versionCheck: insert.version.id,
        version: versionRecord(insert.object.id),
        updatedAt: tick(),
        updatedById: 'key_updater',
        updatedByName: 'updater',
        events: [eventRecord(environment.id, 'vault.kv.updated')],
        ...changes,
      });

      const updated = await storage.updateObject(update({ version: next }));
      assert.equal(updated.status, 'updated');
      assert.deepEqual(updated.status === 'updated' ? updated.object.version : undefined, next);
      assert.equal(updated.status === 'updated' ? updated.object.object.updatedByName : undefined, 'updater');

      const stale = await storage.updateObject(update());
      assert.deepEqual(stale, { status: 'version_mismatch' });
      const missing = await storage.updateObject(update({ objectId: randomUUID(), versionCheck: undefined }));
      assert.deepEqual(missing, { status: 'not_found' });
      const unchecked = await storage.updateObject(update({ versionCheck: undefined }));
      assert.equal(unchecked.status, 'updated');
      assert.equal(await countEvents(storage, environment.id, 'vault.kv.updated'), 2);
    });

    test(`${backend}: concurrent checked updates have one winner`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'raced');
      await storage.insertObject(insert);
      const results = await Promise.all(
        Array.from({ length: 12 }, () => {
          const version = versionRecord(insert.object.id);
          return storage.updateObject({
            environmentId: environment.id,
            objectId: insert.object.id,
            versionCheck: insert.version.id,
            version,
            updatedAt: version.createdAt,
            updatedById: 'key_racer',
            updatedByName: 'racer',
            events: [],
          });
        }),
      );

      assert.equal(results.filter((result) => result.status === 'updated').length, 1);
      assert.equal(results.filter((result) => result.status === 'version_mismatch').length, 11);
      assert.equal((await storage.listObjectVersions(environment.id, insert.object.id))?.versions.length, 2);
    });

    test(`${backend}: delete checks the version`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'doomed');
      await storage.insertObject(insert);
      const eventsFor = (name: string) => [{ ...eventRecord(environment.id, 'vault.kv.deleted'), data: name }];

      assert.deepEqual(await storage.deleteObject(environment.id, insert.object.id, randomUUID(), eventsFor), {
        status: 'version_mismatch',
      });
      assert.deepEqual(await storage.deleteObject(environment.id, insert.object.id, insert.version.id, eventsFor), {
        status: 'deleted',
        name: 'doomed',
      });
      assert.deepEqual(await storage.deleteObject(environment.id, insert.object.id, undefined, eventsFor), {
        status: 'not_found',
      });
      assert.equal(await storage.listObjectVersions(environment.id, insert.object.id), undefined);
      assert.equal(await countEvents(storage, environment.id, 'vault.kv.deleted'), 1);
    });

    test(`${backend}: delete removes every version`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'layered');
      await storage.insertObject(insert);
      const next = versionRecord(insert.object.id);
      await storage.updateObject({
        environmentId: environment.id,
        objectId: insert.object.id,
        versionCheck: undefined,
        version: next,
        updatedAt: next.createdAt,
        updatedById: 'key_layer',
        updatedByName: 'layer',
        events: [],
      });
      await storage.deleteObject(environment.id, insert.object.id, undefined, () => []);
      const orphans = await databaseOf(storage)
        .selectFrom('object_versions')
        .select('id')
        .where('object_id', '=', insert.object.id)
        .execute();

      assert.deepEqual(orphans, []);
    });

    test(`${backend}: versions list newest first`, async () => {
      const environment = await newEnvironment();
      const insert = objectInsert(environment.id, 'history');
      await storage.insertObject(insert);
      const later = versionRecord(insert.object.id);
      await storage.updateObject({
        environmentId: environment.id,
        objectId: insert.object.id,
        versionCheck: insert.version.id,
        version: later,
        updatedAt: later.createdAt,
        updatedById: 'key_history',
        updatedByName: 'history',
        events: [],
      });
      const listed = await storage.listObjectVersions(environment.id, insert.object.id);

      assert.deepEqual(
        listed?.versions.map((version) => version.id),
        [later.id, insert.version.id],
      );
      assert.deepEqual(listed?.versions[0], later);
      assert.equal(listed?.object.currentVersionId, later.id);
      assert.equal(await storage.listObjectVersions(environment.id, randomUUID()), undefined);
    });

    describe(`${backend}: object listing`, () => {
      let environmentId: string;
      /** Objects in ascending list order: creation time, then id. Two share a creation time. */
      let ordered: ObjectRecord[];
      let updatedCutoff: number;

      before(async () => {
        environmentId = (await newEnvironment()).id;
        const base = tick();
        clock += 100;
        const names = ['list-a', 'list-Mid-b', 'list-c', 'list-mid-d', 'list-e', 'list-f', 'list-g'];
        const createdAt = [base, base + 1, base + 2, base + 2, base + 3, base + 4, base + 5];
        const inserts = names.map((name, index) => objectInsert(environmentId, name, { createdAt: createdAt[index] }));
        for (const insert of inserts) {
          await storage.insertObject(insert);
        }
        ordered = inserts.map((insert) => insert.object).sort(compareListOrder);

        updatedCutoff = tick();
        const touched = ordered[1] as ObjectRecord;
        const version = versionRecord(touched.id);
        await storage.updateObject({
          environmentId,
          objectId: touched.id,
          versionCheck: undefined,
          version,
          updatedAt: tick(),
          updatedById: 'key_lister',
          updatedByName: 'lister',
          events: [],
        });
      });

      function ids(objects: ObjectRecord[]): string[] {
        return objects.map((object) => object.id);
      }

      test(`${backend}: pages ascending with after cursors`, async () => {
        const first = await storage.listObjects(listQuery(environmentId));
        const second = await storage.listObjects(
          listQuery(environmentId, { after: cursorOf(first.objects[2] as ObjectRecord) }),
        );
        const third = await storage.listObjects(
          listQuery(environmentId, { after: cursorOf(second.objects[2] as ObjectRecord) }),
        );

        assert.deepEqual(ids(first.objects), ids(ordered.slice(0, 3)));
        assert.equal(first.hasMore, true);
        assert.deepEqual(ids(second.objects), ids(ordered.slice(3, 6)));
        assert.equal(second.hasMore, true);
        assert.deepEqual(ids(third.objects), ids(ordered.slice(6)));
        assert.equal(third.hasMore, false);
      });

      test(`${backend}: pages descending`, async () => {
        const first = await storage.listObjects(listQuery(environmentId, { order: 'desc' }));
        const second = await storage.listObjects(
          listQuery(environmentId, { order: 'desc', after: cursorOf(first.objects[2] as ObjectRecord) }),
        );
        const descending = [...ordered].reverse();

        assert.deepEqual(ids(first.objects), ids(descending.slice(0, 3)));
        assert.deepEqual(ids(second.objects), ids(descending.slice(3, 6)));
      });

      test(`${backend}: before cursor pages backwards`, async () => {
        const page = await storage.listObjects(
          listQuery(environmentId, { limit: 2, before: cursorOf(ordered[3] as ObjectRecord) }),
        );

        assert.deepEqual(ids(page.objects), ids(ordered.slice(1, 3)));
        assert.equal(page.hasMore, true);
      });

      test(`${backend}: cursor splits equal creation times`, async () => {
        const page = await storage.listObjects(
          listQuery(environmentId, { limit: 1, after: cursorOf(ordered[2] as ObjectRecord) }),
        );

        assert.equal((ordered[2] as ObjectRecord).createdAt, (ordered[3] as ObjectRecord).createdAt);
        assert.deepEqual(ids(page.objects), ids(ordered.slice(3, 4)));
      });

      test(`${backend}: search is a case-sensitive substring`, async () => {
        const page = await storage.listObjects(listQuery(environmentId, { search: 'Mid', limit: 10 }));

        assert.deepEqual(
          page.objects.map((object) => object.name),
          ['list-Mid-b'],
        );
      });

      test(`${backend}: search treats wildcards literally`, async () => {
        const percent = await storage.listObjects(listQuery(environmentId, { search: '%', limit: 10 }));
        const underscore = await storage.listObjects(listQuery(environmentId, { search: '_', limit: 10 }));

        assert.deepEqual(percent.objects, []);
        assert.deepEqual(underscore.objects, []);
      });

      test(`${backend}: updatedAfter filters`, async () => {
        const page = await storage.listObjects(listQuery(environmentId, { updatedAfter: updatedCutoff, limit: 10 }));

        assert.deepEqual(ids(page.objects), [(ordered[1] as ObjectRecord).id]);
      });

      test(`${backend}: listing stays in its environment`, async () => {
        const other = await newEnvironment();
        const page = await storage.listObjects(listQuery(other.id, { limit: 10 }));

        assert.deepEqual(page, { objects: [], hasMore: false });
      });
    });

    test(`${backend}: invalidation hook matches backend`, () => {
      assert.equal(typeof storage.onInvalidate, backend === 'postgres' ? 'function' : 'undefined');
    });
  });
}

after(async () => {
  await cleanUpTestDatabases();
});
