import type { ContextPair } from './key-context.js';

const KEK_AAD_LABEL = Buffer.from('coffer kek v1', 'utf8');

/** Identity that a wrapped KEK is bound to: the root key provider must unwrap it only for this KEK. */
export interface KekBinding {
  environmentId: string;
  kekId: Buffer;
  version: number;
  pair: ContextPair;
}

/**
 * Builds the associated data under which a root key provider wraps KEK material. It binds the
 * environment, KEK id and version and the context pair, so a wrapped KEK copied to another row
 * does not unwrap.
 *
 * @example
 * const aad = kekWrappingAad({ environmentId: 'env_1', kekId, version: 1, pair });
 */
export function kekWrappingAad(binding: KekBinding): Buffer {
  const parts = [
    Buffer.from(binding.environmentId, 'utf8'),
    binding.kekId,
    Buffer.from(binding.pair.key, 'utf8'),
    Buffer.from(binding.pair.value, 'utf8'),
  ];
  const version = Buffer.alloc(4);
  version.writeUInt32BE(binding.version);
  return Buffer.concat([KEK_AAD_LABEL, version, ...parts.flatMap((part) => [lengthPrefix(part.length), part])]);
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return prefix;
}
