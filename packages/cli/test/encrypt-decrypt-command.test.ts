import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { WorkOS } from '@workos-inc/node';
import { pipeCoffer, runCoffer } from './run-coffer.js';

let server: CofferProcess;
let dir: string;

before(async () => {
  server = await startCoffer();
  dir = mkdtempSync(join(tmpdir(), 'coffer-cli-crypt-'));
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function path(name: string): string {
  return join(dir, name);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Writes `megabytes` MiB of random bytes in 1 MiB chunks, so the test itself stays small in memory. */
async function writeRandomFile(file: string, megabytes: number): Promise<void> {
  const out = createWriteStream(file);
  for (let index = 0; index < megabytes; index++) {
    if (!out.write(randomBytes(1024 * 1024))) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

describe('coffer encrypt and decrypt', () => {
  test('file round trip with -o', async () => {
    writeFileSync(path('note.txt'), 'meeting at noon');

    const encrypted = await runCoffer(server, [
      'encrypt',
      path('note.txt'),
      '--context',
      'tenant=t1',
      '-o',
      path('note.coffer'),
    ]);
    const decrypted = await runCoffer(server, ['decrypt', path('note.coffer'), '-o', path('note.out')]);

    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.equal(readFileSync(path('note.out'), 'utf8'), 'meeting at noon');
    assert.notEqual(readFileSync(path('note.coffer')).indexOf('meeting'), 0);
  });

  test('stdin to stdout', async () => {
    const plaintext = randomBytes(200_000);

    const encrypted = await runCoffer(server, ['encrypt', '--context', 'tenant=t1'], { input: plaintext });
    const decrypted = await runCoffer(server, ['decrypt', '-'], { input: encrypted.stdout });

    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.ok(decrypted.stdout.equals(plaintext));
  });

  test('pipe between two processes', async () => {
    writeFileSync(path('piped.bin'), randomBytes(3 * 1024 * 1024 + 5));

    const [encrypt, decrypt] = await pipeCoffer(
      server,
      ['encrypt', path('piped.bin'), '--context', 'tenant=t1', '--aad', 'batch-9'],
      ['decrypt', '--aad', 'batch-9'],
    );

    assert.equal(encrypt.code, 0, encrypt.stderr);
    assert.equal(decrypt.code, 0, decrypt.stderr);
    assert.ok(decrypt.stdout.equals(readFileSync(path('piped.bin'))));
  });

  test('50 MiB file byte-identical', async () => {
    await writeRandomFile(path('large.bin'), 50);

    const encrypted = await runCoffer(server, [
      'encrypt',
      path('large.bin'),
      '--context',
      'tenant=t1',
      '-o',
      path('large.coffer'),
      '--json',
    ]);
    const decrypted = await runCoffer(server, ['decrypt', path('large.coffer'), '-o', path('large.out'), '--json']);

    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.equal(await sha256File(path('large.out')), await sha256File(path('large.bin')));
    const summary = JSON.parse(decrypted.stdout.toString());
    assert.equal(summary.output_bytes, 50 * 1024 * 1024);
    assert.equal(summary.input_bytes, statSync(path('large.coffer')).size);
  });

  test('--json summary shape', async () => {
    writeFileSync(path('summary.txt'), 'twelve bytes');

    const result = await runCoffer(server, [
      'encrypt',
      path('summary.txt'),
      '--context',
      't=1',
      '-o',
      path('summary.coffer'),
      '--json',
    ]);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout.toString()), {
      output: path('summary.coffer'),
      format: 'stream',
      input_bytes: 12,
      output_bytes: statSync(path('summary.coffer')).size,
    });
  });

  test('progress line with --progress', async () => {
    writeFileSync(path('progress.bin'), randomBytes(1024 * 1024));

    const result = await runCoffer(server, [
      'encrypt',
      path('progress.bin'),
      '--context',
      't=1',
      '-o',
      path('progress.coffer'),
      '--progress',
    ]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /encrypting 1\.0 MiB \/ 1\.0 MiB {2}100% {2}[\d.]+ \S+\/s/);
    assert.ok(result.stderr.endsWith('\n'));
  });

  test('no progress line on a pipe', async () => {
    writeFileSync(path('quiet.bin'), randomBytes(9 * 1024 * 1024));

    const result = await runCoffer(server, [
      'encrypt',
      path('quiet.bin'),
      '--context',
      't=1',
      '-o',
      path('quiet.coffer'),
    ]);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});

describe('failed decryption', () => {
  let ciphertext: Buffer;

  before(async () => {
    writeFileSync(path('secret.bin'), randomBytes(500_000));
    const result = await runCoffer(server, ['encrypt', path('secret.bin'), '--context', 't=1', '--aad', 'right']);
    ciphertext = result.stdout;
  });

  test('tampered stream leaves no output file', async () => {
    const tampered = Buffer.from(ciphertext);
    const position = tampered.length - 100_000;
    tampered.writeUInt8((tampered.readUInt8(position) ^ 1) & 0xff, position);
    writeFileSync(path('tampered.coffer'), tampered);
    const before = readdirSync(dir).sort();

    const result = await runCoffer(server, [
      'decrypt',
      path('tampered.coffer'),
      '--aad',
      'right',
      '-o',
      path('tampered.out'),
    ]);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /^coffer: decryption failed/);
    assert.equal(existsSync(path('tampered.out')), false);
    assert.deepEqual(readdirSync(dir).sort(), before);
  });

  test('wrong aad keeps existing file', async () => {
    writeFileSync(path('existing.out'), 'previous contents');
    writeFileSync(path('good.coffer'), ciphertext);

    const result = await runCoffer(server, [
      'decrypt',
      path('good.coffer'),
      '--aad',
      'wrong',
      '-o',
      path('existing.out'),
    ]);

    assert.equal(result.code, 1);
    assert.equal(readFileSync(path('existing.out'), 'utf8'), 'previous contents');
  });

  test('truncated stream fails on stdout', async () => {
    const result = await runCoffer(server, ['decrypt', '--aad', 'right'], { input: ciphertext.subarray(0, 200_000) });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /decryption failed/);
  });

  test('base64 input hints at --format workos', async () => {
    const result = await runCoffer(server, ['decrypt'], { input: 'AAECAwQFBgcICQoL' });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /add --format workos/);
  });
});

describe('--format workos', () => {
  let workos: WorkOS;

  before(() => {
    workos = new WorkOS(server.apiKey, { apiHostname: '127.0.0.1', port: server.port, https: false });
  });

  test('CLI ciphertext decrypts in SDK', async () => {
    const result = await runCoffer(server, ['encrypt', '--context', 'org=o1', '--format', 'workos', '--aad', 'a1'], {
      input: 'for the SDK',
    });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(await workos.vault.decrypt(result.stdout.toString().trim(), 'a1'), 'for the SDK');
  });

  test('SDK ciphertext decrypts in CLI', async () => {
    const ciphertext = await workos.vault.encrypt('from the SDK', { org: 'o1' });

    const result = await runCoffer(server, ['decrypt', '--format', 'workos'], { input: `${ciphertext}\n` });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'from the SDK');
  });

  test('--json shapes', async () => {
    const encrypted = await runCoffer(server, ['encrypt', '--context', 'org=o1', '--format', 'workos', '--json'], {
      input: 'json text',
    });
    const { ciphertext } = JSON.parse(encrypted.stdout.toString());

    const decrypted = await runCoffer(server, ['decrypt', '--format', 'workos', '--json'], { input: ciphertext });

    assert.deepEqual(Object.keys(JSON.parse(encrypted.stdout.toString())), ['format', 'ciphertext']);
    assert.deepEqual(JSON.parse(decrypted.stdout.toString()), { format: 'workos', plaintext: 'json text' });
  });
});

describe('usage errors', () => {
  test('encrypt without context', async () => {
    const result = await runCoffer(server, ['encrypt'], { input: 'x' });

    assert.equal(result.code, 2);
  });

  test('unknown format', async () => {
    const result = await runCoffer(server, ['encrypt', '--context', 't=1', '--format', 'zip'], { input: 'x' });

    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are stream, workos/);
  });

  test('--json stream to stdout', async () => {
    const result = await runCoffer(server, ['encrypt', '--context', 't=1', '--json'], { input: 'x' });

    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs --output FILE/);
  });

  test('missing input file', async () => {
    const result = await runCoffer(server, ['encrypt', path('does-not-exist'), '--context', 't=1']);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /no such file/);
  });
});
