import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCoffer } from '@coffer/testkit';
import { UnauthorizedException } from '@workos-inc/node';
import { sendJson, sendRaw } from './support/http.js';
import { workosFor } from './support/workos.js';

test('trace logs carry no secrets', async () => {
  const coffer = await startCoffer({ args: ['--log-level', 'trace'] });
  const secrets = new Map<string, string>();
  const remember = (name: string, value: string | undefined): void => {
    assert.ok(value !== undefined, `${name} is missing`);
    assert.ok(value.length >= 8, `${name} is too short to search for`);
    secrets.set(name, value);
  };
  const rememberDataKey = (name: string, base64: string | undefined): void => {
    remember(`${name} (base64)`, base64);
    remember(`${name} (hex)`, Buffer.from(base64 ?? '', 'base64').toString('hex'));
  };

  const marker = `plaintext-marker-${randomBytes(12).toString('hex')}`;
  const badKey = `sk_${randomBytes(32).toString('base64url')}`;
  remember('bootstrap API key', coffer.apiKey);
  remember('bad API key', badKey);
  remember('plaintext marker', marker);
  const rootKey = readFileSync(join(coffer.dataDir, 'root.key'), 'utf8').trim();
  remember('root key (base64)', rootKey);
  remember('root key (hex)', Buffer.from(rootKey, 'base64').toString('hex'));

  try {
    const workos = workosFor(coffer.url, coffer.apiKey);
    const context = { organization_id: 'org_logs', region: 'eu' };

    const pair = await workos.vault.createDataKey({ context });
    rememberDataKey('created data key', pair.dataKey.key);
    const decrypted = await workos.vault.decryptDataKey({ keys: pair.encryptedKeys });
    rememberDataKey('decrypted data key', decrypted.key);
    const rekeyed = await workos.vault.createRekey({
      context: { organization_id: 'org_logs_2' },
      encryptedKeys: pair.encryptedKeys,
    });
    rememberDataKey('rekeyed data key', rekeyed.dataKey);

    const ciphertext = await workos.vault.encrypt(marker, context, 'customer_1');
    assert.equal(await workos.vault.decrypt(ciphertext, 'customer_1'), marker);
    const parallel = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        workos.vault.createDataKey({ context: { organization_id: `org_${index}` } }),
      ),
    );
    for (const [index, each] of parallel.entries()) {
      rememberDataKey(`parallel data key ${index}`, each.dataKey.key);
    }

    await assert.rejects(workosFor(coffer.url, badKey).vault.createDataKey({ context }), UnauthorizedException);
    await assert.rejects(workos.vault.createDataKey({ context: {} }));
    const damaged = Buffer.from(pair.encryptedKeys, 'base64');
    damaged[20] = (damaged[20] as number) ^ 0xff;
    await assert.rejects(workos.vault.decryptDataKey({ keys: damaged.toString('base64') }));
    await assert.rejects(workos.vault.decryptDataKey({ keys: pair.encryptedKeys.slice(0, -2) }));

    // Bodies that the server rejects before any handler runs must not be logged either.
    assert.equal((await sendRaw(coffer, '/vault/v1/keys/data-key', `{"context":{"a":"${marker}"`)).status, 400);
    assert.equal((await sendRaw(coffer, '/vault/v1/keys/data-key', `["${marker}"]`)).status, 400);
    assert.equal((await sendJson(coffer, '/vault/v1/keys/data-key', { context: { a: 1 }, note: marker })).status, 422);
    assert.equal(
      (await sendJson(coffer, '/vault/v1/keys/decrypt', { keys: pair.encryptedKeys }, { apiKey: badKey })).status,
      401,
    );
    assert.equal(
      (await sendJson(coffer, '/vault/v1/nope', { marker }, { headers: { 'x-marker': marker } })).status,
      404,
    );
  } finally {
    assert.equal(await coffer.stop(), 0);
  }

  const output = coffer.stdout() + coffer.stderr();
  assert.ok(output.split('\n').length > 40, 'the trace log is shorter than the session; is it captured?');
  for (const [name, value] of secrets) {
    assert.equal(output.includes(value), false, `${name} appears in the output`);
  }
});
