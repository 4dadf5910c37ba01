// Scale-out benchmark: data key creation and object reads with one server process and with
// `--workers 2`, on SQLite and on a throwaway PostgreSQL 15 cluster, in one run. Every server is
// measured beside its own bare Fastify baseline route, so each figure has a ratio to what the
// same processes serve with no Coffer work at all.
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runLoad, warmUp } from './lib/load.js';
import { machineLine } from './lib/report.js';
import { postJson, startBenchServer } from './lib/server.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const PROCESS_COUNTS = [1, 2];
/** Objects that the read phase spreads over, as in the object benchmark. */
const OBJECT_POOL = 100;
const VALUE = 'postgres://app:s3cr3t-password@db.internal:5432/payments?sslmode=verify-full';
const CONTEXT = { organization_id: 'org_01HBENCHMARKAAAAAAAAAAAAA' };
const CLUSTER_MODULE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'packages/server/dist/test/support/postgres-cluster.js',
);

/** Runs every backend with one and with two processes and prints one table. */
export async function benchScale() {
  console.log(`scale: ${CONNECTIONS} connections, ${DURATION} s a phase; ${machineLine()}`);
  const { startPostgresCluster } = await import(pathToFileURL(CLUSTER_MODULE).href);
  const cluster = await startPostgresCluster();
  const rows = [];
  try {
    let databaseNumber = 0;
    for (const backend of ['sqlite', 'postgres']) {
      for (const processes of PROCESS_COUNTS) {
        const args = processes === 1 ? [] : ['--workers', String(processes)];
        if (backend === 'postgres') {
          databaseNumber += 1;
          args.push('--database-url', await cluster.createDatabase(`scale_${databaseNumber}`));
        }
        rows.push(...(await measureServer(backend, processes, args)));
      }
    }
  } finally {
    await cluster.stop();
  }
  printScaleTable(rows);
  printCoreNote();
}

/** Starts one server (a primary and its workers when `processes` > 1) and measures its three phases. */
async function measureServer(backend, processes, args) {
  const server = await startBenchServer({ logLevel: process.env.BENCH_LOG_LEVEL ?? 'info', args });
  try {
    const ids = [];
    for (let index = 0; index < OBJECT_POOL; index++) {
      const created = await postJson(server, '/vault/v1/kv', {
        name: `pool-${index}`,
        value: VALUE,
        key_context: CONTEXT,
      });
      ids.push(created.id);
    }
    let counter = 0;
    const phases = [
      {
        phase: 'bare Fastify baseline',
        requests: [{ method: 'POST', path: '/bench/baseline', body: JSON.stringify({ context: CONTEXT }) }],
      },
      {
        phase: 'create data key, 1 pair (KEK warm)',
        requests: [{ method: 'POST', path: '/vault/v1/keys/data-key', body: JSON.stringify({ context: CONTEXT }) }],
      },
      {
        phase: 'read object by id',
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({ ...request, path: `/vault/v1/kv/${ids[counter++ % ids.length]}` }),
          },
        ],
      },
    ];
    const options = {
      url: server.url,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: { authorization: `Bearer ${server.apiKey}` },
    };
    // Warming every phase also warms the KEK cache of every worker, which load reaches in turn.
    for (const { requests } of phases) {
      await warmUp({ ...options, requests });
    }
    const measured = [];
    for (const { phase, requests } of phases) {
      measured.push({ backend, processes, phase, ...(await runLoad({ ...options, requests })) });
    }
    return measured;
  } finally {
    await server.stop();
  }
}

/** Prints every row with its ratio to the same server's baseline and to the one-process row of its phase. */
function printScaleTable(rows) {
  const header =
    `${'backend'.padEnd(10)}${'procs'.padStart(6)}  ${'phase'.padEnd(36)}${'req/s'.padStart(9)}` +
    `${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'× base'.padStart(8)}${'× 1 proc'.padStart(10)}${'errors'.padStart(8)}`;
  const lines = ['', header];
  for (const row of rows) {
    const baseline = rows.find(
      (other) => other.backend === row.backend && other.processes === row.processes && other.phase === rows[0].phase,
    );
    const single = rows.find(
      (other) => other.backend === row.backend && other.processes === 1 && other.phase === row.phase,
    );
    lines.push(
      `${row.backend.padEnd(10)}${String(row.processes).padStart(6)}  ${row.phase.padEnd(36)}` +
        `${row.rps.toFixed(0).padStart(9)}${String(row.p50).padStart(8)}${String(row.p99).padStart(8)}` +
        `${(row.rps / baseline.rps).toFixed(2).padStart(8)}${(row.rps / single.rps).toFixed(2).padStart(10)}` +
        `${String(row.errors + row.non2xx).padStart(8)}`,
    );
  }
  console.log(lines.join('\n'));
}

function printCoreNote() {
  const cores = os.cpus().length;
  const maxProcesses = Math.max(...PROCESS_COUNTS);
  if (cores <= maxProcesses) {
    console.log(
      `\nNOTE: ${cores} cores for ${maxProcesses} server processes, the load generator in this process and, on the ` +
        'PostgreSQL rows, PostgreSQL itself. The processes share the cores rather than get one each, so the ' +
        '"× 1 proc" column understates what a second process adds on a machine with cores to spare.',
    );
  }
}
