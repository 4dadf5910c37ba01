// Runs in a worker thread: applies batches of writes to the SQLite file in one transaction each,
// so the fsync of every commit happens off the main thread. See sqlite-writer.ts.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { EventRecord } from '../records.js';
import type { WriterBatch, WriterOperation, WriterReply } from './sqlite-writer-protocol.js';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const database = new BetterSqlite3(path);
database.pragma('journal_mode = WAL');
database.pragma('synchronous = FULL');
database.pragma('foreign_keys = ON');
database.pragma(`busy_timeout = ${busyTimeoutMs}`);

const insertEvent = database.prepare(
  'INSERT INTO events (id, environment_id, event, organization_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
);
const insertKek = database.prepare(
  'INSERT INTO keks (id, environment_id, context_key, context_value, state, current_version, created_at) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (environment_id, context_key, context_value) DO NOTHING',
);
const insertKekVersion = database.prepare(
  'INSERT INTO kek_versions (kek_id, version, wrapped_material, provider, created_at) VALUES (?, ?, ?, ?, ?)',
);

const applyBatch = database.transaction((operations: WriterOperation[]) => operations.map(apply));

function apply(operation: WriterOperation): boolean {
  switch (operation.kind) {
    case 'events':
      appendEvents(operation.rows);
      return true;
    case 'kek': {
      const { kek, version } = operation;
      const result = insertKek.run(
        kek.id,
        kek.environmentId,
        kek.contextKey,
        kek.contextValue,
        kek.state,
        kek.currentVersion,
        kek.createdAt,
      );
      if (result.changes === 0) {
        return false;
      }
      insertKekVersion.run(
        version.kekId,
        version.version,
        Buffer.from(version.wrappedMaterial),
        version.provider,
        version.createdAt,
      );
      appendEvents(operation.events);
      return true;
    }
  }
}

function appendEvents(rows: EventRecord[]): void {
  for (const row of rows) {
    insertEvent.run(row.id, row.environmentId, row.event, row.organizationId, row.data, row.createdAt);
  }
}

parentPort?.on('message', (message: WriterBatch | 'close') => {
  if (message === 'close') {
    database.close();
    parentPort?.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { batchId: message.batchId, results: applyBatch(message.operations) };
  } catch (error) {
    const failure = error as { message?: string; code?: string };
    reply = { batchId: message.batchId, error: { message: failure.message ?? String(error), code: failure.code } };
  }
  parentPort?.postMessage(reply);
});
