import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bytesToUuid, parseDataKeyBlob } from '@coffer/core';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { UnprocessableEntityException, type WorkOS } from '@workos-inc/node';
import { createApiKey } from './support/coffer-cli.js';
import { createEnvironmentApiKey } from './support/environments.js';
import { workosFor } from './support/workos.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Lists the `kekId/version` of every entry of an `encrypted_keys` blob, in blob order. */
function kekEntries(encryptedKeys: string): string[] {
  return parseDataKeyBlob(Buffer.from(encryptedKeys, 'base64')).entries.map(
    (entry) => `${bytesToUuid(entry.kekId)}/${entry.kekVersion}`,
  );
}

/**
 * Matches the SDK error for a 400. Node SDK 12.3.0 raises `OauthException` (with `status`) rather
 * than `BadRequestException` for any 400 body that has an `error` field, which every Coffer error has.
 */
function isBadRequest(error: unknown): boolean {
  return error instanceof Error && (error as { status?: unknown }).status === 400;
}

function decodedLength(base64: string | undefined): number {
  return Buffer.from(base64 ?? '', 'base64').length;
}

describe('data keys through the WorkOS SDK', () => {
  let coffer: CofferProcess;
  let workos: WorkOS;

  before(async () => {
    coffer = await startCoffer();
    workos = workosFor(coffer.url, coffer.apiKey);
  });

  after(async () => {
    await coffer?.stop();
  });

  describe('createDataKey', () => {
    test('id is a UUID', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_1' } });
      assert.match(pair.dataKey.id, UUID);
    });

    test('data key is 32 bytes', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_1' } });
      assert.equal(decodedLength(pair.dataKey.key), 32);
      assert.equal(Buffer.from(pair.dataKey.key, 'base64').toString('base64'), pair.dataKey.key);
    });

    test('every call returns new key', async () => {
      const context = { organization_id: 'org_sdk_1' };
      const first = await workos.vault.createDataKey({ context });
      const second = await workos.vault.createDataKey({ context });
      assert.notEqual(first.dataKey.id, second.dataKey.id);
      assert.notEqual(first.dataKey.key, second.dataKey.key);
      assert.notEqual(first.encryptedKeys, second.encryptedKeys);
    });

    test('context echoes in request order', async () => {
      const context = { tier: 'gold', organization_id: 'org_sdk_2', region: 'eu', a: 'z' };
      const pair = await workos.vault.createDataKey({ context });
      assert.deepEqual(Object.entries(pair.context), Object.entries(context));
    });

    test('Unicode context echoes exactly', async () => {
      const context = { 名前: 'Zürich 🏔', rtl: 'שלום עולם', nfd: 'e\u0301', emoji: '🔑'.repeat(500) };
      const pair = await workos.vault.createDataKey({ context });
      assert.deepEqual(Object.entries(pair.context), Object.entries(context));
    });

    test('prototype-named keys echo normally', async () => {
      const context = JSON.parse('{"__proto__":"p","constructor":"c","organization_id":"org_sdk_3"}');
      const pair = await workos.vault.createDataKey({ context });
      assert.deepEqual(Object.keys(pair.context), ['__proto__', 'constructor', 'organization_id']);
      assert.equal(Object.hasOwn(pair.context, '__proto__'), true);
      assert.equal(Object.getPrototypeOf(pair.context), Object.prototype);
      assert.equal(pair.context.constructor as unknown, 'c');
      assert.equal(kekEntries(pair.encryptedKeys).length, 3);
    });

    test('blob has one entry per pair', async () => {
      const pair = await workos.vault.createDataKey({ context: { a: '1', b: '2', c: '3', d: '4' } });
      assert.equal(kekEntries(pair.encryptedKeys).length, 4);
    });

    test('invalid context raises UnprocessableEntityException', async () => {
      await assert.rejects(workos.vault.createDataKey({ context: {} }), UnprocessableEntityException);
    });
  });

  describe('decryptDataKey', () => {
    test('returns same id and key', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_4' } });
      const decrypted = await workos.vault.decryptDataKey({ keys: pair.encryptedKeys });
      assert.equal(decrypted.id, pair.dataKey.id);
      assert.equal(decrypted.key, pair.dataKey.key);
    });

    test('damaged blob fails with 400', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_4' } });
      const bytes = Buffer.from(pair.encryptedKeys, 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x80;
      await assert.rejects(workos.vault.decryptDataKey({ keys: bytes.toString('base64') }), isBadRequest);
    });
  });

  describe('createRekey', () => {
    test('keeps id and key', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_5' } });
      const rekeyed = await workos.vault.createRekey({
        context: { organization_id: 'org_sdk_6', region: 'us' },
        encryptedKeys: pair.encryptedKeys,
      });
      assert.equal(rekeyed.id, pair.dataKey.id);
      assert.equal(rekeyed.dataKey, pair.dataKey.key);
      assert.deepEqual(rekeyed.context, { organization_id: 'org_sdk_6', region: 'us' });
    });

    test('new and old blobs decrypt', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_5' } });
      const rekeyed = await workos.vault.createRekey({
        context: { organization_id: 'org_sdk_7' },
        encryptedKeys: pair.encryptedKeys,
      });
      const fromNew = await workos.vault.decryptDataKey({ keys: rekeyed.encryptedKeys ?? '' });
      const fromOld = await workos.vault.decryptDataKey({ keys: pair.encryptedKeys });
      assert.equal(fromNew.id, pair.dataKey.id);
      assert.equal(fromNew.key, pair.dataKey.key);
      assert.equal(fromOld.id, pair.dataKey.id);
      assert.equal(fromOld.key, pair.dataKey.key);
    });

    test('new blob uses new context KEKs', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_5' } });
      const target = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_8' } });
      const rekeyed = await workos.vault.createRekey({
        context: { organization_id: 'org_sdk_8' },
        encryptedKeys: pair.encryptedKeys,
      });
      assert.deepEqual(kekEntries(rekeyed.encryptedKeys ?? ''), kekEntries(target.encryptedKeys));
      assert.notDeepEqual(kekEntries(rekeyed.encryptedKeys ?? ''), kekEntries(pair.encryptedKeys));
    });

    test('invalid context raises UnprocessableEntityException', async () => {
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_sdk_5' } });
      await assert.rejects(
        workos.vault.createRekey({ context: { a: '' }, encryptedKeys: pair.encryptedKeys }),
        UnprocessableEntityException,
      );
    });
  });

  describe('KEK selection', () => {
    test('one context reuses its KEKs', async () => {
      const context = { organization_id: 'org_reuse', region: 'eu' };
      const first = await workos.vault.createDataKey({ context });
      const second = await workos.vault.createDataKey({ context });
      assert.deepEqual(kekEntries(first.encryptedKeys), kekEntries(second.encryptedKeys));
      assert.equal((await workos.vault.decryptDataKey({ keys: first.encryptedKeys })).key, first.dataKey.key);
      assert.equal((await workos.vault.decryptDataKey({ keys: second.encryptedKeys })).key, second.dataKey.key);
    });

    test('pair order selects same KEKs', async () => {
      const forward = await workos.vault.createDataKey({ context: { a: 'order-1', b: 'order-2' } });
      const backward = await workos.vault.createDataKey({ context: { b: 'order-2', a: 'order-1' } });
      assert.deepEqual(kekEntries(forward.encryptedKeys), kekEntries(backward.encryptedKeys));
    });

    test('blob for {a,b} rekeys into {b,a}', async () => {
      const forward = await workos.vault.createDataKey({ context: { a: 'order-3', b: 'order-4' } });
      const decrypted = await workos.vault.decryptDataKey({ keys: forward.encryptedKeys });
      assert.equal(decrypted.key, forward.dataKey.key);

      const rekeyed = await workos.vault.createRekey({
        context: { b: 'order-4', a: 'order-3' },
        encryptedKeys: forward.encryptedKeys,
      });
      assert.equal(rekeyed.id, forward.dataKey.id);
      assert.equal(rekeyed.dataKey, forward.dataKey.key);
      assert.deepEqual(Object.keys(rekeyed.context), ['b', 'a']);
      assert.deepEqual(kekEntries(rekeyed.encryptedKeys ?? ''), kekEntries(forward.encryptedKeys));
    });

    test('blob entries follow UTF-8 key order', async () => {
      // UTF-16 order would put the emoji (0xD83D...) before U+FFFD, but UTF-8 order puts it after.
      const keys = ['\u{1F511}', '\ufffd', 'B'];
      const context = Object.fromEntries(keys.map((key) => [key, 'order-utf8']));
      const blob = await workos.vault.createDataKey({ context });
      const kekOf = async (key: string): Promise<string | undefined> =>
        kekEntries((await workos.vault.createDataKey({ context: { [key]: 'order-utf8' } })).encryptedKeys)[0];
      assert.deepEqual(kekEntries(blob.encryptedKeys), [
        await kekOf('B'),
        await kekOf('\ufffd'),
        await kekOf('\u{1F511}'),
      ]);
    });

    const distinct: [string, Record<string, string>, Record<string, string>][] = [
      ['NFC and NFD values', { city: 'caf\u00e9' }, { city: 'cafe\u0301' }],
      ['letter case of values', { organization_id: 'org_case' }, { organization_id: 'ORG_CASE' }],
      ['letter case of keys', { organization_id: 'org_case' }, { Organization_ID: 'org_case' }],
      ['trailing space', { organization_id: 'org_case' }, { organization_id: 'org_case ' }],
    ];
    for (const [name, left, right] of distinct) {
      test(`${name} select different KEKs`, async () => {
        const first = await workos.vault.createDataKey({ context: left });
        const second = await workos.vault.createDataKey({ context: right });
        assert.notDeepEqual(kekEntries(first.encryptedKeys), kekEntries(second.encryptedKeys));
      });
    }

    test('extra __proto__ pair adds KEK', async () => {
      const plain = await workos.vault.createDataKey({ context: { organization_id: 'org_proto' } });
      const withProto = await workos.vault.createDataKey({
        context: JSON.parse('{"organization_id":"org_proto","__proto__":"x"}'),
      });
      const plainEntries = kekEntries(plain.encryptedKeys);
      const protoEntries = kekEntries(withProto.encryptedKeys);
      assert.equal(plainEntries.length, 1);
      assert.equal(protoEntries.length, 2);
      assert.ok(protoEntries.includes(plainEntries[0] as string));
    });

    test('parallel creates over many contexts', async () => {
      const contexts = Array.from({ length: 20 }, (_, index) => ({
        organization_id: `org_parallel_${index}`,
        purpose: 'parallel',
      }));
      const pairs = await Promise.all(
        Array.from({ length: 200 }, (_, index) => workos.vault.createDataKey({ context: contexts[index % 20] ?? {} })),
      );
      const decrypted = await Promise.all(
        pairs.map((pair) => workos.vault.decryptDataKey({ keys: pair.encryptedKeys })),
      );

      pairs.forEach((pair, index) => {
        assert.equal(decrypted[index]?.id, pair.dataKey.id, `create ${index}`);
        assert.equal(decrypted[index]?.key, pair.dataKey.key, `create ${index}`);
      });
      for (let contextIndex = 0; contextIndex < 20; contextIndex++) {
        const entries = new Set(
          pairs.filter((_, index) => index % 20 === contextIndex).map((pair) => kekEntries(pair.encryptedKeys).join()),
        );
        assert.equal(entries.size, 1, `context ${contextIndex} got ${entries.size} KEK sets`);
      }
      const organizationKeks = new Set(pairs.map((pair) => kekEntries(pair.encryptedKeys).join()));
      assert.equal(organizationKeks.size, 20);
      assert.equal(new Set(pairs.map((pair) => pair.dataKey.id)).size, 200);
    });
  });

  describe('local encryption', () => {
    const context = { organization_id: 'org_local' };

    test('round trips without associated data', async () => {
      const ciphertext = await workos.vault.encrypt('card 4242 4242 4242 4242', context);
      assert.equal(await workos.vault.decrypt(ciphertext), 'card 4242 4242 4242 4242');
    });

    test('round trips with associated data', async () => {
      const ciphertext = await workos.vault.encrypt('ssn 078-05-1120', context, 'customer_17');
      assert.equal(await workos.vault.decrypt(ciphertext, 'customer_17'), 'ssn 078-05-1120');
    });

    test('wrong associated data fails', async () => {
      const ciphertext = await workos.vault.encrypt('secret', context, 'customer_17');
      await assert.rejects(workos.vault.decrypt(ciphertext, 'customer_18'));
    });

    test('missing associated data fails', async () => {
      const ciphertext = await workos.vault.encrypt('secret', context, 'customer_17');
      await assert.rejects(workos.vault.decrypt(ciphertext));
      await assert.rejects(workos.vault.decrypt(ciphertext, ''));
    });

    test('unexpected associated data fails', async () => {
      const ciphertext = await workos.vault.encrypt('secret', context);
      await assert.rejects(workos.vault.decrypt(ciphertext, 'customer_17'));
    });

    test('empty associated data equals absent', async () => {
      const withEmpty = await workos.vault.encrypt('secret', context, '');
      const withoutAny = await workos.vault.encrypt('secret', context);
      assert.equal(await workos.vault.decrypt(withEmpty), 'secret');
      assert.equal(await workos.vault.decrypt(withoutAny, ''), 'secret');
    });

    test('ciphertext carries Coffer blob', async () => {
      const ciphertext = Buffer.from(await workos.vault.encrypt('layout', context), 'base64');
      // IV (12) | tag (16) | LEB128 length (2 bytes for 142) | encrypted_keys | ciphertext
      const keysLength = ((ciphertext[28] as number) & 0x7f) | ((ciphertext[29] as number) << 7);
      assert.equal(keysLength, 142);
      const blob = parseDataKeyBlob(ciphertext.subarray(30, 30 + keysLength));
      assert.equal(blob.entries.length, 1);
      assert.equal(ciphertext.length, 30 + keysLength + 'layout'.length);
    });

    test('multi-megabyte values round trip', async () => {
      const ascii = randomBytes(3 * 1024 * 1024).toString('base64');
      const multibyte = '€日本🔑'.repeat(300_000);
      for (const value of [ascii, multibyte]) {
        const ciphertext = await workos.vault.encrypt(value, context, 'big');
        assert.ok((await workos.vault.decrypt(ciphertext, 'big')) === value, `${value.length} UTF-16 units`);
      }
    });

    const texts: [string, string][] = [
      ['emoji', '🔐🗝️👩‍💻🏳️‍🌈'],
      ['CJK', '顧客の秘密データ 客户机密 고객 비밀'],
      ['right-to-left', 'שלום עולם مرحبا بالعالم'],
      ['combining marks', 'e\u0301 a\u0308 Z\u0327\u0301\u0302'],
      ['NUL characters', 'before\u0000middle\u0000after'],
      ['control characters', '\t\r\n\u007f\u0085'],
      ['empty string', ''],
    ];
    for (const [name, text] of texts) {
      test(`${name} round trip`, async () => {
        const ciphertext = await workos.vault.encrypt(text, context, `aad ${name} 🔑`);
        assert.equal(await workos.vault.decrypt(ciphertext, `aad ${name} 🔑`), text);
      });
    }
  });

  describe('API keys and environments', () => {
    test('two keys of one environment share data', async () => {
      const second = await createApiKey(coffer.dataDir, 'second-service');
      const other = workosFor(coffer.url, second.secret);
      const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_shared' } });
      const decrypted = await other.vault.decryptDataKey({ keys: pair.encryptedKeys });
      assert.equal(decrypted.key, pair.dataKey.key);

      const ciphertext = await other.vault.encrypt('shared', { organization_id: 'org_shared' });
      assert.equal(await workos.vault.decrypt(ciphertext), 'shared');
    });

    test('other environment cannot use blob', async () => {
      const secret = await createEnvironmentApiKey(coffer.dataDir, 'isolated', 'isolated-service');
      const isolated = workosFor(coffer.url, secret);
      const context = { organization_id: 'org_isolated' };
      const pair = await workos.vault.createDataKey({ context });

      await assert.rejects(isolated.vault.decryptDataKey({ keys: pair.encryptedKeys }), isBadRequest);
      await assert.rejects(isolated.vault.createRekey({ context, encryptedKeys: pair.encryptedKeys }), isBadRequest);
      const ciphertext = await workos.vault.encrypt('isolated', context);
      await assert.rejects(isolated.vault.decrypt(ciphertext), isBadRequest);
    });

    test('environments have separate KEKs', async () => {
      const secret = await createEnvironmentApiKey(coffer.dataDir, 'separate', 'separate-service');
      const separate = workosFor(coffer.url, secret);
      const context = { organization_id: 'org_separate' };
      const defaultPair = await workos.vault.createDataKey({ context });
      const separatePair = await separate.vault.createDataKey({ context });

      assert.notDeepEqual(kekEntries(defaultPair.encryptedKeys), kekEntries(separatePair.encryptedKeys));
      await assert.rejects(workos.vault.decryptDataKey({ keys: separatePair.encryptedKeys }), isBadRequest);
      assert.equal(
        (await separate.vault.decryptDataKey({ keys: separatePair.encryptedKeys })).key,
        separatePair.dataKey.key,
      );
    });
  });
});

describe('two servers on one data dir', () => {
  let first: CofferProcess;
  let second: CofferProcess;

  before(async () => {
    first = await startCoffer();
    second = await startCoffer({ dataDir: first.dataDir, apiKey: first.apiKey });
  });

  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  test('concurrent first uses share KEKs', async () => {
    // Both processes see each context for the first time at once, so the database decides which
    // KEK wins. Every blob must name the winner.
    const left = workosFor(first.url, first.apiKey);
    const right = workosFor(second.url, second.apiKey);
    for (let round = 0; round < 10; round++) {
      const context = { organization_id: `org_race_${round}`, region: `region_${round}` };
      const pairs = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? left : right).vault.createDataKey({ context })),
      );
      const kekSets = new Set(pairs.map((pair) => kekEntries(pair.encryptedKeys).join()));
      assert.equal(kekSets.size, 1, `round ${round}`);
    }
  });

  test('blob from one decrypts on other', async () => {
    const left = workosFor(first.url, first.apiKey);
    const right = workosFor(second.url, second.apiKey);
    const pair = await left.vault.createDataKey({ context: { organization_id: 'org_two_servers' } });
    assert.equal((await right.vault.decryptDataKey({ keys: pair.encryptedKeys })).key, pair.dataKey.key);
  });
});
