import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_ERRORS } from '../src/errors.js';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/api.md');

function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of readFileSync(DOCS, 'utf8').matchAll(/^\| (\d{3}) \| `([a-z0-9_]+)` \|/gm)) {
    rows.set(match[2] as string, Number(match[1]));
  }
  return rows;
}

test('every catalogue code is documented with its status', () => {
  const documented = documentedCodes();
  for (const [code, entry] of Object.entries(API_ERRORS)) {
    assert.equal(documented.get(code), entry.status, `docs/api.md lists ${code} with status ${entry.status}`);
  }
});

test('every documented code is in the catalogue', () => {
  for (const code of documentedCodes().keys()) {
    assert.ok(code in API_ERRORS, `docs/api.md lists ${code}, which the server never returns`);
  }
});
