/** Rows as the services see them. Times are microseconds since the Unix epoch. */

export interface EnvironmentRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  environmentId: string;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secretHash: Buffer;
  /** The last four characters of the secret, so people can tell keys apart in a listing. */
  secretHint: string;
  createdAt: number;
  revokedAt: number | null;
}

export type KekState = 'active' | 'destroyed';

export interface KekRecord {
  id: string;
  environmentId: string;
  contextKey: string;
  contextValue: string;
  state: KekState;
  currentVersion: number;
  createdAt: number;
}

export interface KekVersionRecord {
  kekId: string;
  version: number;
  /** KEK material wrapped by the root key provider named in `provider`. */
  wrappedMaterial: Buffer;
  provider: string;
  createdAt: number;
}

/** A KEK with one of its versions. */
export interface KekWithVersion {
  kek: KekRecord;
  version: KekVersionRecord;
}

export interface EventRecord {
  id: string;
  environmentId: string;
  event: string;
  /** The `organization_id` of the key context, when it has one, for filtering. */
  organizationId: string | null;
  /** The event's `data` object as JSON text. */
  data: string;
  createdAt: number;
}
