/**
 * Stable codes for every error that `@coffer/core` raises. The server maps each code to an HTTP
 * status in its own catalogue; the SDK passes them through to callers.
 */
export type CoreErrorCode =
  | 'invalid_base64'
  | 'invalid_encrypted_keys'
  | 'invalid_key_context'
  | 'invalid_ciphertext'
  | 'invalid_key'
  | 'decryption_failed'
  | 'key_destroyed';

/**
 * Base class of the errors raised by `@coffer/core`. `code` is stable and safe to branch on.
 *
 * @example
 * try { parseDataKeyBlob(bytes); } catch (e) { if (e instanceof CoreError) console.log(e.code); }
 */
export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}

/**
 * Raised for input whose structure is wrong before any key is involved: bad base64, a truncated
 * or unknown-version blob, a malformed ciphertext layout. The message names the defect.
 */
export class FormatError extends CoreError {
  constructor(code: CoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'FormatError';
  }
}

/**
 * Raised whenever decryption under a key fails, whatever the cause (wrong key, tampered bytes,
 * wrong associated data, bad unwrapped length). The message is deliberately the same for every
 * cause so that callers and attackers cannot tell them apart.
 */
export class DecryptionError extends CoreError {
  /** `cause` may carry the lower-level error, such as a server's refusal to unwrap the data key. */
  constructor(options?: ErrorOptions) {
    super('decryption_failed', 'decryption failed: the key, ciphertext or associated data does not match', options);
    this.name = 'DecryptionError';
  }
}

/** One rule broken by a key context, as reported in a 422 body's `errors` list. */
export interface ContextViolation {
  /** `context`, or `context.<key>` for a rule broken by one pair. */
  field: string;
  /** A stable snake_case code such as `too_many_pairs` or `value_too_long`. */
  code: string;
}

/** Raised by `validateKeyContext` with every rule the context breaks. */
export class KeyContextError extends CoreError {
  readonly violations: ContextViolation[];

  constructor(message: string, violations: ContextViolation[]) {
    super('invalid_key_context', message);
    this.name = 'KeyContextError';
    this.violations = violations;
  }
}
