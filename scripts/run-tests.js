// Runs the compiled test files with `node --test`, in two passes, and prints one closing summary.
//
// Pass 1 runs every selected file with COFFER_TEST_BACKEND=sqlite.
// Pass 2 runs with COFFER_TEST_BACKEND=postgres the files that use @coffer/testkit, which then
// gives each server (and each data dir) its own database in a throwaway PostgreSQL cluster. The
// rule: a file joins pass 2 when its compiled text imports '@coffer/testkit', unless it lives
// under a `test/storage/` folder, whose files test both backends themselves.
//
// When pass 2 has files, or a selected file lives under `test/storage/`, one cluster starts
// before pass 1 (PostgreSQL 15 from COFFER_PG_BIN or /usr/lib/postgresql/15/bin, through
// packages/server/dist/test/support/postgres-cluster.js), and both passes get its URL in
// COFFER_TEST_DATABASE_URL. Without PostgreSQL the run fails; it never skips the pass.
//
// Node 20 does not expand globs in --test arguments, so this script finds the files. Arguments
// narrow the run to files whose path contains one of them: `npm test -- data-keys`. The exit
// code is non-zero when either pass failed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CLUSTER_MODULE = 'packages/server/dist/test/support/postgres-cluster.js';
const SUMMARY_FIELDS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

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

const postgresFiles = selected.filter(usesTestkit);
const needsCluster = postgresFiles.length > 0 || selected.some(choosesOwnBackends);
const reportDir = mkdtempSync(join(tmpdir(), 'coffer-test-reports-'));
let cluster;
let exitCode = 1;
try {
  const clusterEnv = {};
  if (needsCluster) {
    cluster = await startCluster();
    clusterEnv.COFFER_TEST_DATABASE_URL = cluster.url;
  }
  const passes = [{ backend: 'sqlite', files: selected }];
  if (postgresFiles.length > 0) {
    passes.push({ backend: 'postgres', files: postgresFiles });
  }
  const results = [];
  for (const [index, pass] of passes.entries()) {
    results.push(await runPass(index + 1, pass, clusterEnv));
  }
  printSummary(results);
  exitCode = results.every((result) => result.status === 0 && result.summary.fail === 0) ? 0 : 1;
} catch (error) {
  console.error(`test run failed: ${error instanceof Error ? error.message : error}`);
} finally {
  await cluster?.stop();
  rmSync(reportDir, { recursive: true, force: true });
}
process.exit(exitCode);

/** Files that use the testkit, which picks the backend of servers and databases from the environment. */
function usesTestkit(file) {
  return !choosesOwnBackends(file) && readFileSync(file, 'utf8').includes("'@coffer/testkit'");
}

function choosesOwnBackends(file) {
  return file.split(/[\\/]/).join('/').includes('/dist/test/storage/');
}

async function startCluster() {
  const { startPostgresCluster } = await import(pathToFileURL(CLUSTER_MODULE).href);
  const started = Date.now();
  const postgres = await startPostgresCluster();
  console.log(`PostgreSQL test cluster on ${postgres.url}, started in ${Date.now() - started} ms`);
  return postgres;
}

/** Runs one pass in its own `node --test` process; the TAP copy of its report gives the counts. */
async function runPass(number, pass, clusterEnv) {
  const tapFile = join(reportDir, `pass-${number}-${pass.backend}.tap`);
  const concurrency = process.env.COFFER_TEST_CONCURRENCY ?? '3';
  const noun = pass.files.length === 1 ? 'test file' : 'test files';
  console.log(`\n=== pass ${number}: ${pass.files.length} ${noun} on ${pass.backend} ===\n`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...pass.files,
    ],
    { stdio: 'inherit', env: { ...process.env, ...clusterEnv, COFFER_TEST_BACKEND: pass.backend } },
  );
  const status = await new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
  return { number, backend: pass.backend, status, durationMs: Date.now() - started, summary: readSummary(tapFile) };
}

/** Reads the closing `# tests N` ... lines of a TAP report; a missing report counts as one failure. */
function readSummary(tapFile) {
  const summary = Object.fromEntries(SUMMARY_FIELDS.map((field) => [field, 0]));
  let text = '';
  try {
    text = readFileSync(tapFile, 'utf8');
  } catch {
    return { ...summary, fail: 1 };
  }
  for (const field of SUMMARY_FIELDS) {
    const match = new RegExp(`^# ${field} (\\d+)$`, 'm').exec(text);
    summary[field] = match === null ? 0 : Number(match[1]);
  }
  return summary;
}

function printSummary(results) {
  console.log('\n=== summary ===');
  for (const result of results) {
    const counts = SUMMARY_FIELDS.map((field) => `${field} ${result.summary[field]}`).join(', ');
    const exit = result.status === 0 ? '' : `, exit code ${result.status}`;
    console.log(
      `pass ${result.number} (${result.backend}): ${counts}, ${(result.durationMs / 1000).toFixed(1)} s${exit}`,
    );
  }
  const total = Object.fromEntries(
    SUMMARY_FIELDS.map((field) => [field, results.reduce((sum, result) => sum + result.summary[field], 0)]),
  );
  const seconds = results.reduce((sum, result) => sum + result.durationMs, 0) / 1000;
  console.log(
    `all passes: ${SUMMARY_FIELDS.map((field) => `${field} ${total[field]}`).join(', ')}, ${seconds.toFixed(1)} s`,
  );
}

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
