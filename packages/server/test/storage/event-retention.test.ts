import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { newId } from '../../src/ids.js';
import { purgeExpiredEvents } from '../../src/services/purge-expired-events.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { EventRecord } from '../../src/storage/records.js';
import type { Database } from '../../src/storage/schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { BACKENDS, cleanUpTestDatabases, freshLocation } from './test-databases.js';

const DAY_MICROS = 24 * 60 * 60 * 1_000_000;
const NOW = Date.now() * 1000;
const silent = pino({ level: 'silent' });

/** Builds an event as the server records it, with its creation time in its id to the millisecond. */
function event(environmentId: string, ageDays: number): EventRecord {
  const createdAt = NOW - ageDays * DAY_MICROS;
  return {
    id: newId('event', Math.floor(createdAt / 1000)),
    environmentId,
    event: 'vault.dek.read',
    organizationId: null,
    data: '{}',
    createdAt,
  };
}

async function countEvents(storage: Storage, environmentId: string): Promise<number> {
  const db = (storage as unknown as { db: Kysely<Database> }).db;
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('environment_id', '=', environmentId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

after(cleanUpTestDatabases);

for (const backend of BACKENDS) {
  describe(`${backend}: event retention`, () => {
    let storage: Storage;

    before(async () => {
      storage = await openStorage(await freshLocation(backend));
    });

    after(async () => {
      await storage?.close();
    });

    test(`${backend}: deletes only events before cutoff`, async () => {
      const environmentId = `environment_${randomUUID()}`;
      await storage.appendEvents([event(environmentId, 100), event(environmentId, 91), event(environmentId, 1)]);

      const deleted = await storage.deleteEventsBefore(NOW - 90 * DAY_MICROS, 100);

      assert.equal(deleted, 2);
      assert.equal(await countEvents(storage, environmentId), 1);
    });

    test(`${backend}: delete honours its batch limit`, async () => {
      const environmentId = `environment_${randomUUID()}`;
      await storage.appendEvents(Array.from({ length: 7 }, () => event(environmentId, 200)));

      assert.equal(await storage.deleteEventsBefore(NOW - 150 * DAY_MICROS, 3), 3);
      assert.equal(await countEvents(storage, environmentId), 4);
    });

    test(`${backend}: purge removes every expired batch`, async () => {
      const environmentId = `environment_${randomUUID()}`;
      await storage.appendEvents(Array.from({ length: 12 }, () => event(environmentId, 400)));
      await storage.appendEvents([event(environmentId, 2)]);

      const clock = { nowMicros: () => NOW };
      const deleted = await purgeExpiredEvents(storage, clock, 365, silent);

      assert.ok(deleted >= 12, `deleted ${deleted} events`);
      assert.equal(await countEvents(storage, environmentId), 1);
    });

    test(`${backend}: zero retention keeps everything`, async () => {
      const environmentId = `environment_${randomUUID()}`;
      await storage.appendEvents([event(environmentId, 5000)]);

      assert.equal(await purgeExpiredEvents(storage, { nowMicros: () => NOW }, 0, silent), 0);
      assert.equal(await countEvents(storage, environmentId), 1);
    });
  });
}
