import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { testBackend } from '@coffer/testkit';
import { type RawResponse, sendJson, sendRaw, type Target } from '../support/http.js';
import { type SharedStore, startSharedStore } from './shared-store.js';

const BACKEND = testBackend();
const OBJECTS = '/vault/v1/kv';
const CREATE_DATA_KEY = '/vault/v1/keys/data-key';
const DECRYPT = '/vault/v1/keys/decrypt';

/** Concurrent client loops, enough that requests are in flight on both processes when one dies. */
const LOOPS = 8;
/** Updates after each create, so that each object gets several versions. */
const UPDATES_PER_OBJECT = 3;
/** How long the load runs at least before the kill, and after it, in milliseconds. */
const LOAD_MS = 1_000;
/** Writes and data keys the doomed process must acknowledge before it is killed, so that the checks cover it. */
const ACKS_BEFORE_KILL = { writes: 10, dataKeys: 2 };

/** One write the client sent, and how it ended once retried on the other process if needed. */
interface Write {
  value: string;
  /** Index of the process that returned 2xx, or undefined when no process did. */
  ackedBy?: number;
  versionId?: string;
}

interface ObjectHistory {
  name: string;
  id?: string;
  writes: Write[];
}

interface DataKeyAck {
  id: string;
  dataKey: string;
  encryptedKeys: string;
  ackedBy: number;
}

/**
 * Sends each request to a preferred process and, on a network error, once more to the other
 * one, as a load balancer with retries would. A process that failed gets no more requests.
 */
class FailoverClient {
  readonly #targets: Target[];
  readonly #down = new Set<number>();
  /** Responses other than 2xx, kept for the assertions. */
  readonly unexpected: string[] = [];
  networkErrors = 0;

  constructor(targets: Target[]) {
    this.#targets = targets;
  }

  async send(
    preferred: number,
    path: string,
    body: unknown,
    options: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<{ response: RawResponse; servedBy: number } | undefined> {
    const order = [preferred, 1 - preferred].filter((index) => !this.#down.has(index));
    for (const index of order) {
      let response: RawResponse;
      try {
        response = await sendJson(this.#targets[index] as Target, path, body, options);
      } catch {
        this.networkErrors += 1;
        this.#down.add(index);
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        this.unexpected.push(
          `${options.method ?? 'POST'} ${path} on process ${index}: ${response.status} ${response.text}`,
        );
        return undefined;
      }
      return { response, servedBy: index };
    }
    return undefined;
  }
}

/**
 * Runs one client loop until `isStopped()`. Each round creates an object, updates it a few times
 * and creates a data key under a context of its own, which creates a KEK. Creates carry an
 * Idempotency-Key, so a retry of a create that committed replays it. Requests alternate between
 * the processes.
 */
async function runLoop(
  client: FailoverClient,
  loop: number,
  isStopped: () => boolean,
  objects: ObjectHistory[],
  dataKeys: DataKeyAck[],
): Promise<void> {
  for (let round = 0; !isStopped(); round++) {
    const preferred = (loop + round) % 2;
    const history: ObjectHistory = { name: `fault-${loop}-${round}-${randomUUID()}`, writes: [] };
    objects.push(history);

    const create: Write = { value: `${history.name} v0` };
    history.writes.push(create);
    const created = await client.send(
      preferred,
      OBJECTS,
      { name: history.name, value: create.value, key_context: { organization_id: 'org_faults' } },
      { headers: { 'idempotency-key': `retry-${randomUUID()}` } },
    );
    if (created === undefined) {
      continue;
    }
    const metadata = created.response.json as { id: string; version_id: string };
    history.id = metadata.id;
    create.ackedBy = created.servedBy;
    create.versionId = metadata.version_id;

    for (let update = 1; update <= UPDATES_PER_OBJECT; update++) {
      const write: Write = { value: `${history.name} v${update}` };
      history.writes.push(write);
      const updated = await client.send(
        (preferred + update) % 2,
        `${OBJECTS}/${history.id}`,
        { value: write.value },
        { method: 'PUT' },
      );
      if (updated === undefined) {
        break;
      }
      write.ackedBy = updated.servedBy;
      write.versionId = (updated.response.json as { metadata: { version_id: string } }).metadata.version_id;
    }

    const context = { organization_id: `org_fault_${loop}_${round}_${randomUUID()}` };
    const dataKey = await client.send(1 - preferred, CREATE_DATA_KEY, { context });
    if (dataKey !== undefined) {
      const body = dataKey.response.json as { id: string; data_key: string; encrypted_keys: string };
      dataKeys.push({
        id: body.id,
        dataKey: body.data_key,
        encryptedKeys: body.encrypted_keys,
        ackedBy: dataKey.servedBy,
      });
    }
  }
}

describe(`${BACKEND}: process killed during writes`, () => {
  let store: SharedStore;
  /** A process started after the load, with empty caches, that reads everything back. */
  let reader: Target;
  let client: FailoverClient;
  const objects: ObjectHistory[] = [];
  const dataKeys: DataKeyAck[] = [];
  const victim = 0;

  before(async () => {
    store = await startSharedStore(2);
    client = new FailoverClient(store.processes.map((coffer) => ({ url: coffer.url, apiKey: store.apiKey })));
    let stopped = false;
    const loops = Array.from({ length: LOOPS }, (_, loop) => runLoop(client, loop, () => stopped, objects, dataKeys));

    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    await waitUntil(
      () => {
        const writes = objects.flatMap((history) => history.writes).filter((write) => write.ackedBy === victim);
        const keys = dataKeys.filter((dataKey) => dataKey.ackedBy === victim);
        return writes.length >= ACKS_BEFORE_KILL.writes && keys.length >= ACKS_BEFORE_KILL.dataKeys;
      },
      `process ${victim} to acknowledge ${JSON.stringify(ACKS_BEFORE_KILL)}`,
    );
    await store.processes[victim]?.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    stopped = true;
    await Promise.all(loops);

    const fresh = await store.startAnother();
    reader = { url: fresh.url, apiKey: store.apiKey };
  });

  after(async () => {
    await store?.stop();
  });

  test('surviving process serves every request', (context) => {
    const writes = objects.flatMap((history) => history.writes);
    const byVictim = writes.filter((write) => write.ackedBy === victim).length;
    context.diagnostic(
      `${writes.length} object writes (${byVictim} acknowledged by the killed process), ` +
        `${dataKeys.length} data keys, ${client.networkErrors} network errors when the process died`,
    );
    assert.deepEqual(client.unexpected, []);
    assert.ok(writes.every((write) => write.ackedBy !== undefined));
  });

  test('both processes acknowledged writes', () => {
    const writes = objects.flatMap((history) => history.writes);
    assert.ok(writes.some((write) => write.ackedBy === victim));
    assert.ok(writes.some((write) => write.ackedBy === 1 - victim));
  });

  test('acknowledged objects hold their last value', async () => {
    for (const history of objects.filter((candidate) => candidate.id !== undefined)) {
      const read = await sendRaw(reader, `${OBJECTS}/${history.id}`, undefined, { method: 'GET' });
      assert.equal(read.status, 200, `${history.name}: ${read.text}`);
      // Every write after the last acknowledged one may or may not have committed.
      const lastAcked = history.writes.findLastIndex((write) => write.ackedBy !== undefined);
      const allowed = history.writes.slice(lastAcked).map((write) => write.value);
      const value = (read.json as { value: string }).value;
      assert.ok(allowed.includes(value), `${history.name}: read ${value}, expected one of ${allowed.join(', ')}`);
    }
  });

  test('acknowledged versions are all stored', async () => {
    for (const history of objects.filter((candidate) => candidate.id !== undefined)) {
      const listed = await sendRaw(reader, `${OBJECTS}/${history.id}/versions`, undefined, { method: 'GET' });
      assert.equal(listed.status, 200, `${history.name}: ${listed.text}`);
      const stored = new Set((listed.json as { data: { id: string }[] }).data.map((version) => version.id));
      for (const write of history.writes.filter((candidate) => candidate.versionId !== undefined)) {
        assert.ok(stored.has(write.versionId as string), `${history.name}: version of "${write.value}" is missing`);
      }
    }
  });

  test('killed process acknowledged data keys', () => {
    assert.ok(dataKeys.some((dataKey) => dataKey.ackedBy === victim));
  });

  test('acknowledged data keys decrypt', async () => {
    for (const dataKey of dataKeys) {
      const decrypted = await sendJson(reader, DECRYPT, { keys: dataKey.encryptedKeys });
      assert.equal(decrypted.status, 200, `data key ${dataKey.id}: ${decrypted.text}`);
      assert.deepEqual(decrypted.json, { id: dataKey.id, data_key: dataKey.dataKey });
    }
  });
});

/** Polls `condition` every 10 ms for up to 15 seconds. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after 15000 ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
