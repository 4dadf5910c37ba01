import type { EventRecord, KekRecord, KekVersionRecord } from '../records.js';

/** One write the worker applies; every operation of a batch commits together. */
export type WriterOperation =
  | { kind: 'events'; rows: EventRecord[] }
  | { kind: 'kek'; kek: KekRecord; version: KekVersionRecord; events: EventRecord[] };

export interface WriterBatch {
  batchId: number;
  operations: WriterOperation[];
}

/** The worker's reply: one result per operation (for `kek`, whether it inserted), or the error. */
export type WriterReply =
  | { batchId: number; results: boolean[]; error?: undefined }
  | { batchId: number; error: { message: string; code: string | undefined }; results?: undefined };
