import type { ObjectRecord, ObjectVersionRecord, StoredObject } from '../storage/records.js';
import { formatMicros } from './timestamps.js';

/** ObjectMetadata as the Vault API sends it. */
export interface ObjectMetadataWire {
  id: string;
  environment_id: string;
  key_id: string;
  context: Record<string, string>;
  updated_at: string;
  updated_by: { id: string; name: string };
  version_id: string;
}

/** Builds the flat ObjectMetadata of an object's current version. */
export function objectMetadata(stored: StoredObject): ObjectMetadataWire {
  const { object, version } = stored;
  return {
    id: object.id,
    environment_id: object.environmentId,
    key_id: version.dataKeyId,
    // Object.fromEntries defines `__proto__` as an own key instead of setting the prototype.
    context: Object.fromEntries(object.context),
    updated_at: formatMicros(object.updatedAt),
    updated_by: { id: object.updatedById, name: object.updatedByName },
    version_id: version.id,
  };
}

/** Builds ObjectWithoutValue: `{id, name, metadata}`. */
export function objectWithoutValue(stored: StoredObject) {
  return { id: stored.object.id, name: stored.object.name, metadata: objectMetadata(stored) };
}

/** Builds ObjectSummary: `{id, name, updated_at}`. */
export function objectSummary(object: ObjectRecord) {
  return { id: object.id, name: object.name, updated_at: formatMicros(object.updatedAt) };
}

/** Builds ObjectVersion: `{id, created_at, current_version, size, etag}`. */
export function objectVersion(version: ObjectVersionRecord, currentVersionId: string) {
  return {
    id: version.id,
    created_at: formatMicros(version.createdAt),
    current_version: version.id === currentVersionId,
    size: version.size,
    etag: version.etag,
  };
}
