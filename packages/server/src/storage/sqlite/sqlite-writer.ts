import { Worker } from 'node:worker_threads';
import type { EventRecord, KekRecord, KekVersionRecord } from '../records.js';
import type { WriterBatch, WriterOperation, WriterReply } from './sqlite-writer-protocol.js';

/**
 * Batches sent to the worker before the first one is acknowledged. More than one lets the main
 * thread hand over new work while a commit runs, instead of idling until the reply arrives.
 */
const MAX_BATCHES_IN_FLIGHT = 4;

interface PendingOperation {
  operation: WriterOperation;
  resolve: (inserted: boolean) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit for SQLite. Writes that need no result beyond "committed" (events, KEK inserts)
 * are queued and sent to a worker thread, which applies each batch in one transaction with
 * `synchronous = FULL`. While batches commit, the next one collects, so the batch size grows
 * with the load and the main thread never waits for an fsync.
 */
export class SqliteWriter {
  readonly #worker: Worker;
  #queue: PendingOperation[] = [];
  #inFlight: Map<number, PendingOperation[]> = new Map();
  #nextBatchId = 1;
  #scheduled = false;
  #failure: Error | undefined;

  constructor(path: string, busyTimeoutMs: number) {
    this.#worker = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), {
      workerData: { path, busyTimeoutMs },
    });
    this.#worker.on('message', (reply: WriterReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (code !== 0 || this.#queue.length > 0 || this.#inFlight.size > 0) {
        this.#fail(new Error(`the SQLite writer thread exited with code ${code}`));
      }
    });
  }

  appendEvents(rows: EventRecord[]): Promise<void> {
    return this.#enqueue({ kind: 'events', rows }).then(() => undefined);
  }

  /**
   * Inserts a KEK, its version and its events unless the context pair has a KEK; resolves true
   * when inserted.
   */
  insertKek(kek: KekRecord, version: KekVersionRecord, events: EventRecord[]): Promise<boolean> {
    return this.#enqueue({ kind: 'kek', kek, version, events });
  }

  /** Waits for queued writes, then stops the worker. */
  async close(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    this.#worker.postMessage('close');
    await exited;
  }

  #enqueue(operation: WriterOperation): Promise<boolean> {
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ operation, resolve, reject });
      if (!this.#scheduled && this.#inFlight.size < MAX_BATCHES_IN_FLIGHT) {
        this.#scheduled = true;
        setImmediate(() => this.#send());
      }
    });
  }

  #send(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0 || this.#inFlight.size >= MAX_BATCHES_IN_FLIGHT) {
      return;
    }
    const batch = this.#queue;
    this.#queue = [];
    const batchId = this.#nextBatchId++;
    this.#inFlight.set(batchId, batch);
    const message: WriterBatch = { batchId, operations: batch.map((pending) => pending.operation) };
    this.#worker.postMessage(message);
  }

  #settle(reply: WriterReply): void {
    const batch = this.#inFlight.get(reply.batchId) ?? [];
    this.#inFlight.delete(reply.batchId);
    if (reply.error !== undefined) {
      const error = Object.assign(new Error(`SQLite write failed: ${reply.error.message}`), { code: reply.error.code });
      for (const pending of batch) {
        pending.reject(error);
      }
    } else {
      for (const [index, pending] of batch.entries()) {
        pending.resolve(reply.results[index] === true);
      }
    }
    this.#send();
  }

  #fail(error: Error): void {
    this.#failure = error;
    for (const batch of this.#inFlight.values()) {
      for (const pending of batch) {
        pending.reject(error);
      }
    }
    this.#inFlight.clear();
    for (const pending of this.#queue) {
      pending.reject(error);
    }
    this.#queue = [];
  }
}
