import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeBase64Strict, KEY_LENGTH, SecretKey } from '@coffer/core';
import { ConfigError } from '../config.js';

/** File name of the generated development root key inside the data directory. */
export const DEFAULT_ROOT_KEY_FILE = 'root.key';

/** Source of the root key, for the start-up log line. */
export type RootKeySource = 'environment' | 'file' | 'generated-file';

export interface LoadedRootKey {
  key: SecretKey;
  source: RootKeySource;
  path: string | undefined;
}

/**
 * Reads the local root key from COFFER_ROOT_KEY, from `--root-key-file`, or from
 * `<dataDir>/root.key`, generating that last file (mode 0600) when `mayGenerate` is true and it
 * does not exist yet. Every form is base64 of exactly 32 bytes.
 */
export function loadLocalRootKey(options: {
  rootKey: string | undefined;
  rootKeyFile: string | undefined;
  dataDir: string;
  mayGenerate: boolean;
}): LoadedRootKey {
  if (options.rootKey !== undefined) {
    return { key: parseRootKey(options.rootKey, 'COFFER_ROOT_KEY'), source: 'environment', path: undefined };
  }
  if (options.rootKeyFile !== undefined) {
    return { key: readRootKeyFile(options.rootKeyFile), source: 'file', path: options.rootKeyFile };
  }

  const path = join(options.dataDir, DEFAULT_ROOT_KEY_FILE);
  if (fileExists(path)) {
    return { key: readRootKeyFile(path), source: 'file', path };
  }
  if (!options.mayGenerate) {
    throw new ConfigError(
      `root key file ${path} is missing, but the database in ${options.dataDir} already contains keys wrapped by a ` +
        'root key. Restore that file, or give the original key with COFFER_ROOT_KEY or --root-key-file.',
    );
  }
  return { key: generateRootKeyFile(path), source: 'generated-file', path };
}

function parseRootKey(text: string, origin: string): SecretKey {
  let bytes: Buffer;
  try {
    bytes = decodeBase64Strict(text.trim(), origin);
  } catch {
    throw new ConfigError(
      `${origin} must be base64 of ${KEY_LENGTH} random bytes (for example: openssl rand -base64 32)`,
    );
  }
  if (bytes.length !== KEY_LENGTH) {
    bytes.fill(0);
    throw new ConfigError(`${origin} must decode to ${KEY_LENGTH} bytes, got ${bytes.length}`);
  }
  return SecretKey.adopt(bytes);
}

function readRootKeyFile(path: string): SecretKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read root key file ${path}: ${(error as Error).message}`);
  }
  return parseRootKey(text, `root key file ${path}`);
}

function generateRootKeyFile(path: string): SecretKey {
  // With PostgreSQL nothing else creates the data dir before the key file goes into it.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const bytes = randomBytes(KEY_LENGTH);
  // The key is written under a unique name and then linked into place. link() fails when the key
  // file exists, so a key file is never overwritten, and no process reads one half written.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    bytes.fill(0);
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
    // Another process that started on the same new data dir at the same moment generated it first.
    return readRootKeyFile(path);
  } finally {
    rmSync(temporary, { force: true });
  }
  return SecretKey.adopt(bytes);
}

function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
