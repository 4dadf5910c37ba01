import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type ContextPair, CoreError, KEY_LENGTH, SecretKey, XAES_NONCE_LENGTH } from '@coffer/core';
import { ApiError } from '../errors.js';
import { type Clock, newId } from '../ids.js';
import type {
  EventRecord,
  ObjectListQuery,
  ObjectRecord,
  ObjectVersionRecord,
  StoredObject,
} from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { objectMetadata } from '../wire/object-shapes.js';
import { eventData } from './actor-fields.js';
import type { Principal } from './api-key-service.js';
import { unwrapDataKey, wrapDataKey } from './envelope.js';
import type { EventRecorder } from './event-recorder.js';
import type { KekService } from './kek-service.js';
import { openValue, sealValue } from './value-cipher.js';

/** How long a create's Idempotency-Key is honoured, in microseconds. */
export const IDEMPOTENCY_WINDOW_MICROS = 24 * 60 * 60 * 1_000_000;

/** A create request as the route validated it. */
export interface CreateObjectInput {
  name: string;
  value: string;
  context: ContextPair[];
}

/** The outcome of a create: the stored response body and status, fresh or replayed. */
export interface CreateObjectOutcome {
  status: number;
  body: string;
  replayed: boolean;
}

/**
 * Encrypted objects: every version holds only ciphertext under its own data key, wrapped by the
 * KEKs of the object's context. Writes and their events commit in one transaction; version
 * checks and name uniqueness are decided by the database.
 */
export class ObjectService {
  readonly #storage: Storage;
  readonly #keks: KekService;
  readonly #events: EventRecorder;
  readonly #clock: Clock;
  readonly #idempotencyKey: Buffer;

  constructor(storage: Storage, keks: KekService, events: EventRecorder, clock: Clock, idempotencyKey: Buffer) {
    this.#storage = storage;
    this.#keks = keks;
    this.#events = events;
    this.#clock = clock;
    this.#idempotencyKey = idempotencyKey;
  }

  /**
   * Creates an object. With an idempotency key, a repeat of the same request within 24 hours
   * returns the first response, and the same key with another request is a 422.
   */
  async create(principal: Principal, input: CreateObjectInput, idempotencyKey?: string): Promise<CreateObjectOutcome> {
    const requestHash = idempotencyKey === undefined ? undefined : this.#hashRequest(input);
    if (idempotencyKey !== undefined) {
      const replay = await this.#replay(principal, idempotencyKey, requestHash as Buffer);
      if (replay !== undefined) {
        return replay;
      }
    }

    const now = this.#clock.nowMicros();
    const objectId = randomUUID();
    const version = await this.#sealVersion(principal.environmentId, objectId, input.context, input.value, now);
    const object: ObjectRecord = {
      id: objectId,
      environmentId: principal.environmentId,
      name: input.name,
      context: input.context.map((pair) => [pair.key, pair.value]),
      currentVersionId: version.id,
      createdAt: now,
      updatedAt: now,
      updatedById: principal.apiKeyId,
      updatedByName: principal.apiKeyName,
    };
    const body = JSON.stringify(objectMetadata({ object, version }));
    const event = this.#event(
      principal,
      'vault.data.created',
      now,
      {
        kv_name: input.name,
        key_id: version.dataKeyId,
        key_context: Object.fromEntries(object.context),
      },
      input.context,
    );

    const result = await this.#storage.insertObject({
      object,
      version,
      events: [event],
      idempotency:
        idempotencyKey === undefined
          ? undefined
          : {
              apiKeyId: principal.apiKeyId,
              idempotencyKey,
              requestHash: requestHash as Buffer,
              responseStatus: 201,
              responseBody: body,
              createdAt: now,
            },
    });
    switch (result.status) {
      case 'created':
        return { status: 201, body, replayed: false };
      case 'name_taken':
        throw new ApiError('name_conflict', `an object named ${JSON.stringify(input.name)} already exists`);
      case 'idempotency_key_taken':
        return this.#replayRecord(result.existing.requestHash, requestHash as Buffer, result.existing);
    }
  }

  /** Reads and decrypts an object's current value. */
  async read(
    principal: Principal,
    by: { id: string } | { name: string },
  ): Promise<{ stored: StoredObject; value: string }> {
    const stored = await this.#find(principal, by);
    const value = await this.#openVersion(principal.environmentId, stored.object.id, stored.version);
    await this.#events.record(
      principal.environmentId,
      'vault.data.read',
      eventData(principal, { kv_name: stored.object.name, key_id: stored.version.dataKeyId }),
      organizationOf(stored.object.context),
    );
    return { stored, value };
  }

  /** Returns an object's metadata without decrypting it. */
  async describe(principal: Principal, id: string): Promise<StoredObject> {
    const stored = await this.#find(principal, { id });
    await this.#recordMetadataRead(principal, stored.object);
    return stored;
  }

  /** Stores a new value as a new version under the object's original context. */
  async update(
    principal: Principal,
    id: string,
    value: string,
    versionCheck: string | undefined,
  ): Promise<StoredObject> {
    const current = await this.#find(principal, { id });
    const now = this.#clock.nowMicros();
    const pairs = current.object.context.map(([key, contextValue]) => ({ key, value: contextValue }));
    const version = await this.#sealVersion(principal.environmentId, id, pairs, value, now);
    const event = this.#event(
      principal,
      'vault.data.updated',
      now,
      {
        kv_name: current.object.name,
        key_id: version.dataKeyId,
        key_context: Object.fromEntries(current.object.context),
      },
      pairs,
    );

    const result = await this.#storage.updateObject({
      environmentId: principal.environmentId,
      objectId: id,
      versionCheck,
      version,
      updatedAt: now,
      updatedById: principal.apiKeyId,
      updatedByName: principal.apiKeyName,
      events: [event],
    });
    switch (result.status) {
      case 'updated':
        return result.object;
      case 'not_found':
        throw objectNotFound({ id });
      case 'version_mismatch':
        throw versionConflict(id, versionCheck);
    }
  }

  /** Deletes an object and every version of it. */
  async delete(principal: Principal, id: string, versionCheck: string | undefined): Promise<string> {
    const now = this.#clock.nowMicros();
    const result = await this.#storage.deleteObject(principal.environmentId, id, versionCheck, (name) => [
      this.#event(principal, 'vault.data.deleted', now, { kv_name: name }, []),
    ]);
    switch (result.status) {
      case 'deleted':
        return result.name;
      case 'not_found':
        throw objectNotFound({ id });
      case 'version_mismatch':
        throw versionConflict(id, versionCheck);
    }
  }

  async list(
    principal: Principal,
    query: Omit<ObjectListQuery, 'environmentId'>,
  ): Promise<{ objects: ObjectRecord[]; hasMore: boolean }> {
    const page = await this.#storage.listObjects({ ...query, environmentId: principal.environmentId });
    await this.#events.record(principal.environmentId, 'vault.names.listed', eventData(principal, {}));
    return page;
  }

  async versions(principal: Principal, id: string): Promise<{ object: ObjectRecord; versions: ObjectVersionRecord[] }> {
    const found = await this.#storage.listObjectVersions(principal.environmentId, id);
    if (found === undefined) {
      throw objectNotFound({ id });
    }
    await this.#recordMetadataRead(principal, found.object);
    return found;
  }

  /** Deletes idempotency records older than the replay window; returns how many went. */
  async purgeIdempotencyRecords(): Promise<number> {
    return this.#storage.deleteIdempotencyRecords(this.#clock.nowMicros() - IDEMPOTENCY_WINDOW_MICROS);
  }

  async #find(principal: Principal, by: { id: string } | { name: string }): Promise<StoredObject> {
    const stored =
      'id' in by
        ? await this.#storage.findObjectById(principal.environmentId, by.id)
        : await this.#storage.findObjectByName(principal.environmentId, by.name);
    if (stored === undefined) {
      throw objectNotFound(by);
    }
    return stored;
  }

  async #sealVersion(
    environmentId: string,
    objectId: string,
    pairs: readonly ContextPair[],
    value: string,
    now: number,
  ): Promise<ObjectVersionRecord> {
    const random = randomBytes(KEY_LENGTH + XAES_NONCE_LENGTH * pairs.length);
    const dataKey = SecretKey.from(random.subarray(0, KEY_LENGTH));
    random.fill(0, 0, KEY_LENGTH);
    const dataKeyId = randomUUID();
    const versionId = randomUUID();
    const plaintext = Buffer.from(value, 'utf8');
    try {
      const wrapped = await wrapDataKey(
        this.#keks,
        environmentId,
        pairs,
        dataKey,
        dataKeyId,
        random.subarray(KEY_LENGTH),
      );
      const ciphertext = sealValue(dataKey, plaintext, { environmentId, objectId, versionId });
      return {
        id: versionId,
        objectId,
        dataKeyId,
        encryptedKeys: wrapped.blob,
        ciphertext,
        size: plaintext.length,
        etag: createHash('sha256').update(ciphertext).digest('hex'),
        createdAt: now,
      };
    } finally {
      plaintext.fill(0);
      dataKey.destroy();
    }
  }

  async #openVersion(environmentId: string, objectId: string, version: ObjectVersionRecord): Promise<string> {
    try {
      const { dataKey } = await unwrapDataKey(this.#keks, environmentId, version.encryptedKeys);
      try {
        const plaintext = openValue(dataKey, version.ciphertext, { environmentId, objectId, versionId: version.id });
        const value = plaintext.toString('utf8');
        plaintext.fill(0);
        return value;
      } finally {
        dataKey.destroy();
      }
    } catch (error) {
      // The caller sent nothing to decrypt, so a stored version that fails to parse, unwrap or open
      // is damage or tampering on the server's side. That is a 500, not the 400 a caller's own blob gets.
      if (error instanceof CoreError) {
        throw new Error(`stored version ${version.id} of object ${objectId} could not be decrypted`, { cause: error });
      }
      throw error;
    }
  }

  async #replay(
    principal: Principal,
    idempotencyKey: string,
    requestHash: Buffer,
  ): Promise<CreateObjectOutcome | undefined> {
    const existing = await this.#storage.findIdempotencyRecord(principal.apiKeyId, idempotencyKey);
    if (existing === undefined || existing.createdAt < this.#clock.nowMicros() - IDEMPOTENCY_WINDOW_MICROS) {
      return undefined;
    }
    return this.#replayRecord(existing.requestHash, requestHash, existing);
  }

  #replayRecord(
    storedHash: Buffer,
    requestHash: Buffer,
    record: { responseStatus: number; responseBody: string },
  ): CreateObjectOutcome {
    if (!storedHash.equals(requestHash)) {
      throw new ApiError('idempotency_key_reused');
    }
    return { status: record.responseStatus, body: record.responseBody, replayed: true };
  }

  /** HMAC of the request fields, keyed by a deployment secret so it reveals nothing about the value. */
  #hashRequest(input: CreateObjectInput): Buffer {
    const canonical = JSON.stringify([input.name, input.value, input.context.map((pair) => [pair.key, pair.value])]);
    return createHmac('sha256', this.#idempotencyKey).update(canonical, 'utf8').digest();
  }

  #event(
    principal: Principal,
    event: string,
    now: number,
    data: Record<string, unknown>,
    pairs: readonly ContextPair[],
  ): EventRecord {
    return {
      id: newId('event'),
      environmentId: principal.environmentId,
      event,
      organizationId: pairs.find((pair) => pair.key === 'organization_id')?.value ?? null,
      data: eventData(principal, data),
      createdAt: now,
    };
  }

  async #recordMetadataRead(principal: Principal, object: ObjectRecord): Promise<void> {
    await this.#events.record(
      principal.environmentId,
      'vault.metadata.read',
      eventData(principal, { kv_name: object.name }),
      organizationOf(object.context),
    );
  }
}

function organizationOf(context: Array<[string, string]>): string | undefined {
  return context.find(([key]) => key === 'organization_id')?.[1];
}

function versionConflict(id: string, versionCheck: string | undefined): ApiError {
  return new ApiError(
    'version_conflict',
    `version_check ${JSON.stringify(versionCheck)} is not the current version of object ${id}`,
  );
}

function objectNotFound(by: { id: string } | { name: string }): ApiError {
  return 'id' in by
    ? new ApiError('object_not_found', `no object with id ${JSON.stringify(by.id)}`)
    : new ApiError('object_not_found', `no object named ${JSON.stringify(by.name)}`);
}
