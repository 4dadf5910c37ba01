import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DecryptionError, decodeLocalCiphertextBase64, encodeLocalCiphertextBase64 } from '@coffer/core';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { WorkOS } from '@workos-inc/node';
import { CofferClient } from '../src/index.js';

// The official Node SDK (@workos-inc/node 12.3.0) and our client encrypt for each other, through
// one real server: the SDK as a WorkOS customer would configure it, with only the host changed.

let coffer: CofferProcess;
let client: CofferClient;
let workos: WorkOS;

before(async () => {
  coffer = await startCoffer();
  client = new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey });
  workos = new WorkOS(coffer.apiKey, { apiHostname: '127.0.0.1', port: coffer.port, https: false });
});

after(async () => {
  await coffer.stop();
});

const context = { organization_id: 'org_123' };
const messages = ['This is a secret message', '', 'ünïcödé ✓ and an emoji 🔑', 'x'.repeat(100_000)];

describe('WorkOS SDK compatibility', () => {
  for (const aad of [undefined, 'additional-auth-data']) {
    const label = aad === undefined ? 'without associated data' : 'with associated data';

    test(`SDK to client ${label}`, async () => {
      for (const message of messages) {
        const ciphertext = await workos.vault.encrypt(message, context, aad);

        assert.equal(await client.decrypt(ciphertext, aad), message);
      }
    });

    test(`client to SDK ${label}`, async () => {
      for (const message of messages) {
        const ciphertext = await client.encrypt(message, context, aad);

        assert.equal(await workos.vault.decrypt(ciphertext, aad), message);
      }
    });
  }

  test('client bytes to SDK string', async () => {
    const ciphertext = await client.encrypt(Buffer.from('bytes in, text out', 'utf8'), context);

    assert.equal(await workos.vault.decrypt(ciphertext), 'bytes in, text out');
  });

  test('decryptToBuffer keeps binary bytes', async () => {
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3]);
    const ciphertext = await client.encrypt(bytes, context);

    assert.ok((await client.decryptToBuffer(ciphertext)).equals(bytes));
  });

  test('SDK ciphertext with wrong aad fails', async () => {
    const ciphertext = await workos.vault.encrypt('secret', context, 'tenant-a');

    await assert.rejects(client.decrypt(ciphertext, 'tenant-b'), DecryptionError);
    await assert.rejects(client.decrypt(ciphertext), DecryptionError);
  });

  test('empty aad equals absent', async () => {
    const ciphertext = await workos.vault.encrypt('secret', context);

    assert.equal(await client.decrypt(ciphertext, ''), 'secret');
  });

  test('Go v7 layout detected', async () => {
    const ivFirst = await workos.vault.encrypt('from a Go v7 program', context, 'aad');
    const keysFirst = encodeLocalCiphertextBase64(decodeLocalCiphertextBase64(ivFirst), 'keys-first');

    assert.equal(await client.decrypt(keysFirst, 'aad'), 'from a Go v7 program');
  });

  test('keys-first output on request', async () => {
    const ciphertext = await client.encrypt('for a Go v7 program', context, undefined, { layout: 'keys-first' });
    const ivFirst = encodeLocalCiphertextBase64(decodeLocalCiphertextBase64(ciphertext, 'keys-first'));

    assert.equal(await workos.vault.decrypt(ivFirst), 'for a Go v7 program');
  });
});
