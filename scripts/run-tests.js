// Runs every compiled test file with `node --test`. Node 20 does not expand globs in --test
// arguments, so this script finds the files. Arguments narrow the run to files whose path
// contains one of them: `npm test -- data-keys`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = [];
for (const pkg of readdirSync('packages')) {
  collect(join('packages', pkg, 'dist', 'test'), files);
}
const selected = files.filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(', ') || 'packages/*/dist/test'}; run "npm run build" first`);
  process.exit(1);
}

const concurrency = process.env.COFFER_TEST_CONCURRENCY ?? '3';
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

function collect(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      collect(path, out);
    } else if (name.endsWith('.test.js')) {
      out.push(path);
    }
  }
}
