import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startCoffer, storageArgs } from '@coffer/testkit';
import { revokeApiKey, runCoffer } from './support/coffer-cli.js';

const temporaryDirs: string[] = [];

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-serve-safety-'));
  temporaryDirs.push(dir);
  return dir;
}

after(() => {
  for (const dir of temporaryDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Runs `coffer serve --host 0.0.0.0` on a port that a listener of this test holds on 127.0.0.1,
 * so that even a server that ignored the rule could not bind beyond loopback.
 */
async function serveOnAllInterfaces(env: Record<string, string>) {
  const guard = net.createServer();
  await new Promise<void>((resolve) => guard.listen(0, '127.0.0.1', resolve));
  const port = (guard.address() as net.AddressInfo).port;
  try {
    return await runCoffer(['serve', '--host', '0.0.0.0', '--port', String(port), '--data-dir', temporaryDir()], {
      env,
    });
  } finally {
    await new Promise((resolve) => guard.close(resolve));
  }
}

describe('COFFER_INSECURE_HTTP', () => {
  for (const value of ['false', '0', 'no', 'off', '']) {
    test(`"${value}" keeps plain HTTP refused`, async () => {
      const result = await serveOnAllInterfaces({ COFFER_INSECURE_HTTP: value });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /refusing to serve plain HTTP on non-loopback address/);
    });
  }

  test('unknown value is a usage error', async () => {
    const result = await serveOnAllInterfaces({ COFFER_INSECURE_HTTP: 'maybe' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /COFFER_INSECURE_HTTP must be true or false/);
  });
});

describe('bootstrap API key', () => {
  test('revoked bootstrap key stops start', async () => {
    const dataDir = temporaryDir();
    const first = await startCoffer({ dataDir });
    const apiKey = first.apiKey;
    const listed = await runCoffer(['api-keys', 'list', '--json', ...storageArgs(dataDir)]);
    const bootstrap = (JSON.parse(listed.stdout) as Array<{ id: string; name: string }>).find(
      (key) => key.name === 'bootstrap',
    );
    assert.ok(bootstrap, listed.stderr);
    await first.stop();
    await revokeApiKey(dataDir, bootstrap.id);

    const result = await runCoffer(['serve', '--port', '0', ...storageArgs(dataDir)], {
      env: { COFFER_BOOTSTRAP_API_KEY: apiKey },
      timeoutMs: 20_000,
    });

    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`API key ${bootstrap.id}, which was revoked`));
    assert.ok(!result.stderr.includes(apiKey));
    assert.ok(!result.stdout.includes(apiKey));
  });
});
