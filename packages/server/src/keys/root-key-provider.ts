/**
 * The top of the key hierarchy: wraps and unwraps KEK material under a root key that never
 * leaves the provider (a local file, an HSM, a cloud KMS). Associated data binds each wrapped
 * KEK to its identity; unwrapping with other associated data must fail.
 */
export interface RootKeyProvider {
  /** Stable name stored beside every wrapped KEK, e.g. `local`. */
  readonly name: string;
  wrap(material: Buffer, aad: Buffer): Promise<Buffer>;
  /** Raises when the wrapped bytes or the associated data do not match. */
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}
