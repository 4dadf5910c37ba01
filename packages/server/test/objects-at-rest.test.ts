import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, queryDatabase, startCoffer, storageDirectories, testBackend } from '@coffer/testkit';
import { bodyOf, createObject, request } from './support/object-api.js';

/** Reads every file under `dir`, recursively, with its raw bytes. */
function readTree(dir: string): { path: string; bytes: Buffer }[] {
  const files: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      files.push(...readTree(path));
    } else {
      files.push({ path, bytes: readFileSync(path) });
    }
  }
  return files;
}

/**
 * Returns the base64 substrings that appear in any base64 text of data containing `bytes`, whatever
 * the alignment. For each of the three offsets, it keeps the characters that depend on `bytes` alone.
 */
function base64Fragments(bytes: Buffer): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    return encoded.slice(shift === 0 ? 0 : 4, -4);
  });
}

/** Lists the byte patterns under which `text` could have been written down: UTF-8, UTF-16LE, base64 and hex. */
function patternsOf(text: string): { label: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(text, 'utf8');
  return [
    { label: 'UTF-8', bytes: utf8 },
    { label: 'UTF-16LE', bytes: Buffer.from(text, 'utf16le') },
    ...base64Fragments(utf8).map((fragment, shift) => ({
      label: `base64 at offset ${shift}`,
      bytes: Buffer.from(fragment, 'ascii'),
    })),
    ...base64Fragments(utf8).map((fragment, shift) => ({
      label: `base64url at offset ${shift}`,
      bytes: Buffer.from(fragment.replaceAll('+', '-').replaceAll('/', '_'), 'ascii'),
    })),
    { label: 'hex', bytes: Buffer.from(utf8.toString('hex'), 'ascii') },
    { label: 'upper-case hex', bytes: Buffer.from(utf8.toString('hex').toUpperCase(), 'ascii') },
  ];
}

/** Lists where any form of `secret` occurs in `sources`. */
function findLeaks(secret: string, sources: { path: string; bytes: Buffer }[]): string[] {
  const forms = [
    { label: 'text', text: secret },
    { label: 'base64 text', text: Buffer.from(secret, 'utf8').toString('base64') },
    { label: 'hex text', text: Buffer.from(secret, 'utf8').toString('hex') },
  ];
  const leaks: string[] = [];
  for (const form of forms) {
    for (const pattern of patternsOf(form.text)) {
      for (const source of sources) {
        if (source.bytes.includes(pattern.bytes)) {
          leaks.push(`${form.label} as ${pattern.label} in ${source.path}`);
        }
      }
    }
  }
  return leaks;
}

describe('object values at rest', () => {
  const secret = `coffer-secret-marker-${randomUUID()}`;
  const unicodeSecret = `秘密-${randomUUID()}-🔑`;
  const nameMarker = `at-rest-name-${randomUUID()}`;
  let dataDir: string;
  let coffer: CofferProcess;
  let exitCode: number | null;
  let liveFiles: { path: string; bytes: Buffer }[];
  let sources: { path: string; bytes: Buffer }[];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'coffer-at-rest-'));
    // Logs at trace level, so that every line the server can write is in the scan.
    coffer = await startCoffer({ dataDir, args: ['--log-level', 'trace'] });

    const plain = Buffer.from(secret, 'utf8');
    const values = [
      secret,
      `prefix ${secret} suffix`,
      plain.toString('base64'),
      plain.toString('hex'),
      `${unicodeSecret}\u0000${secret}`,
    ];
    const first = await createObject(coffer, `${nameMarker}-1`, values[0] as string);
    const second = await createObject(coffer, `${nameMarker}-2`, values[1] as string);
    for (const value of values.slice(2)) {
      const updated = await request(coffer, 'PUT', `/vault/v1/kv/${first.id}`, { body: { value } });
      assert.equal(updated.status, 201, updated.text);
    }
    for (const id of [first.id, second.id]) {
      const read = await request(coffer, 'GET', `/vault/v1/kv/${id}`);
      assert.equal(read.status, 200, read.text);
      const byName = await request(
        coffer,
        'GET',
        `/vault/v1/kv/name/${encodeURIComponent(bodyOf(read).name as string)}`,
      );
      assert.equal(byName.status, 200, byName.text);
    }
    const versions = await request(coffer, 'GET', `/vault/v1/kv/${first.id}/versions`);
    assert.equal(versions.status, 200, versions.text);
    // A rejected write echoes nothing of its value either.
    const duplicate = await request(coffer, 'POST', '/vault/v1/kv', {
      body: { name: `${nameMarker}-1`, value: secret, key_context: { organization_id: 'org_at_rest' } },
    });
    assert.equal(duplicate.status, 409, duplicate.text);
    assert.equal(duplicate.text.includes(secret), false);

    // While the server runs, the WAL file contains the latest pages, and a clean stop folds it into the database.
    // On PostgreSQL the scan covers the database's directory and the cluster's write-ahead log after a checkpoint.
    liveFiles = (await storageDirectories(dataDir))
      .flatMap(readTree)
      .map((file) => ({ path: `${file.path} (server running)`, bytes: file.bytes }));
    exitCode = await coffer.stop();
    sources = [
      ...liveFiles,
      ...(await storageDirectories(dataDir)).flatMap(readTree),
      { path: 'server stderr', bytes: Buffer.from(coffer.stderr(), 'utf8') },
      { path: 'server stdout', bytes: Buffer.from(coffer.stdout(), 'utf8') },
    ];
  });

  after(() => {
    if (dataDir !== undefined) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('server stops cleanly', () => {
    assert.equal(exitCode, 0);
  });

  const sqliteOnly = testBackend() === 'postgres' ? 'the database lives in the PostgreSQL cluster' : false;

  test('data dir holds the database', { skip: sqliteOnly }, () => {
    const names = sources.map((source) => source.path);
    assert.ok(names.includes(join(dataDir, 'coffer.db')), names.join(', '));
  });

  test('live scan reads WAL and SHM', { skip: sqliteOnly }, () => {
    const names = liveFiles.map((file) => file.path);
    assert.ok(names.includes(`${join(dataDir, 'coffer.db-wal')} (server running)`), names.join(', '));
    assert.ok(names.includes(`${join(dataDir, 'coffer.db-shm')} (server running)`), names.join(', '));
  });

  test('scan finds plaintext names', () => {
    // Names are stored in the clear, so the scan must find this one, which proves that it reads the database.
    const marker = Buffer.from(nameMarker, 'utf8');
    const live = liveFiles.filter((file) => file.bytes.includes(marker));
    const stopped = sources.filter((source) => !liveFiles.includes(source) && source.bytes.includes(marker));
    assert.ok(live.length > 0);
    assert.ok(stopped.length > 0);
  });

  test('scan detects every encoded form', () => {
    const plain = Buffer.from(secret, 'utf8');
    const encodings = [
      Buffer.from(`x${secret}x`, 'utf16le'),
      ...['', 'a', 'ab'].map((prefix) => Buffer.from(Buffer.concat([Buffer.from(prefix), plain]).toString('base64'))),
      Buffer.from(Buffer.concat([Buffer.from('a'), plain]).toString('base64url')),
      Buffer.from(plain.toString('hex').toUpperCase()),
      Buffer.from(Buffer.from(plain.toString('base64')).toString('hex')),
    ];
    for (const bytes of encodings) {
      assert.ok(findLeaks(secret, [{ path: 'synthetic', bytes }]).length > 0, bytes.toString('latin1'));
    }
  });

  test('scan finds log lines', () => {
    const log = sources.find((source) => source.path === 'server stderr');
    assert.ok(log?.bytes.includes(Buffer.from('"route":"/vault/v1/kv/:id"')));
  });

  test('no form of the value is stored or logged', () => {
    assert.deepEqual(findLeaks(secret, sources), []);
  });

  test('no form of a Unicode value is stored or logged', () => {
    assert.deepEqual(findLeaks(unicodeSecret, sources), []);
  });
});

describe('moved ciphertext', () => {
  let dataDir: string;
  let apiKey: string;
  let coffer: CofferProcess | undefined;
  const objects: Record<string, { id: string; version_id: string; value: string }> = {};

  /** Copies columns of one stored version row onto another, with the server stopped. */
  async function copyVersionColumns(fromVersionId: string, toVersionId: string, columns: readonly string[]) {
    const [source] = await queryDatabase(dataDir, 'select * from object_versions where id = ?', [fromVersionId]);
    assert.ok(source !== undefined, `no version ${fromVersionId}`);
    const assignments = columns.map((column) => `${column} = ?`).join(', ');
    const updated = await queryDatabase(
      dataDir,
      `update object_versions set ${assignments} where id = ? returning id`,
      [...columns.map((column) => source[column]), toVersionId],
    );
    assert.equal(updated.length, 1);
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'coffer-moved-'));
    const first = await startCoffer({ dataDir });
    apiKey = first.apiKey;
    for (const name of ['donor', 'ciphertext-only', 'all-crypto-columns', 'same-object']) {
      const value = `value of ${name} ${randomUUID()}`;
      const created = await createObject(first, `moved-${name}`, value);
      objects[name] = { ...created, value };
    }
    // A second version of one object, to move its first version's ciphertext onto.
    const sameObject = objects['same-object'] as { id: string; version_id: string; value: string };
    const updated = await request(first, 'PUT', `/vault/v1/kv/${sameObject.id}`, { body: { value: 'second version' } });
    assert.equal(updated.status, 201, updated.text);
    const secondVersionId = (bodyOf(updated).metadata as { version_id: string }).version_id;
    assert.equal(await first.stop(), 0);

    const donor = objects.donor as { version_id: string };
    await copyVersionColumns(donor.version_id, (objects['ciphertext-only'] as { version_id: string }).version_id, [
      'ciphertext',
    ]);
    await copyVersionColumns(donor.version_id, (objects['all-crypto-columns'] as { version_id: string }).version_id, [
      'ciphertext',
      'encrypted_keys',
      'data_key_id',
      'size',
      'etag',
    ]);
    await copyVersionColumns(sameObject.version_id, secondVersionId, [
      'ciphertext',
      'encrypted_keys',
      'data_key_id',
      'size',
      'etag',
    ]);

    coffer = await startCoffer({ dataDir, apiKey });
  });

  after(async () => {
    await coffer?.stop();
    if (dataDir !== undefined) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('untouched object still reads', async () => {
    const donor = objects.donor as { id: string; value: string };
    const read = await request(coffer as CofferProcess, 'GET', `/vault/v1/kv/${donor.id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(bodyOf(read).value, donor.value);
  });

  const cases: { label: string; target: string }[] = [
    { label: 'ciphertext from another object', target: 'ciphertext-only' },
    { label: 'whole version from another object', target: 'all-crypto-columns' },
    { label: 'older version of the same object', target: 'same-object' },
  ];
  for (const { label, target } of cases) {
    test(`${label} fails to read`, async (context) => {
      const object = objects[target] as { id: string };
      const donor = objects.donor as { value: string };
      const read = await request(coffer as CofferProcess, 'GET', `/vault/v1/kv/${object.id}`);
      context.diagnostic(`moved ${label}: GET answered ${read.status} ${read.text}`);

      assert.ok(read.status >= 400, `${read.status}: ${read.text}`);
      assert.equal(read.text.includes(donor.value), false);
      assert.equal(read.text.includes('value of'), false);
      assert.match(read.headers.get('content-type') ?? '', /^application\/json/);
    });
  }

  test('moved ciphertext is a server error', async () => {
    const object = objects['all-crypto-columns'] as { id: string };
    const read = await request(coffer as CofferProcess, 'GET', `/vault/v1/kv/${object.id}`);
    // The request itself is valid, so a row that fails to decrypt is damage on the server's side.
    assert.equal(read.status, 500, read.text);
    assert.match((coffer as CofferProcess).stderr(), new RegExp(`of object ${object.id} could not be decrypted`));
  });
});
