import type { ObjectMetadata, ObjectSummary, ObjectVersion } from '@coffer/client';

// `--json` prints the Vault API's own snake_case shapes, so scripts can treat the CLI's output
// and the HTTP API's responses alike.

/**
 * Writes `value` as indented JSON and a newline to stdout.
 *
 * @example
 * printJson({ id: 'obj_1' });
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Converts metadata to the API's ObjectMetadata shape.
 *
 * @example
 * printJson(metadataJson(await client.createObject(input)));
 */
export function metadataJson(metadata: ObjectMetadata) {
  return {
    id: metadata.id,
    environment_id: metadata.environmentId,
    key_id: metadata.keyId,
    context: metadata.context,
    updated_at: metadata.updatedAt.toISOString(),
    updated_by: metadata.updatedBy,
    version_id: metadata.versionId,
  };
}

/**
 * Converts a listing entry to the API's ObjectSummary shape.
 *
 * @example
 * page.data.map(summaryJson);
 */
export function summaryJson(summary: ObjectSummary) {
  return { id: summary.id, name: summary.name, updated_at: summary.updatedAt?.toISOString() ?? null };
}

/**
 * Converts a version to the API's ObjectVersion shape.
 *
 * @example
 * versions.map(versionJson);
 */
export function versionJson(version: ObjectVersion) {
  return {
    id: version.id,
    created_at: version.createdAt.toISOString(),
    current_version: version.currentVersion,
    size: version.size,
    etag: version.etag,
  };
}
