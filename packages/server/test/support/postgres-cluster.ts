import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chownSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Directory where Debian's postgresql-15 package installs `initdb` and `postgres`. */
export const DEFAULT_POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';

/** Options for `startPostgresCluster`. Every field is optional. */
export interface PostgresClusterOptions {
  /** Directory containing `initdb` and `postgres`. Default: `$COFFER_PG_BIN`, else `DEFAULT_POSTGRES_BIN_DIR`. */
  binDir?: string;
  /** Superuser role that initdb creates. Default: `coffer`. */
  user?: string;
  /** Database created at start, the one `url` points to. Default: `coffer`. */
  database?: string;
  /** TCP port on 127.0.0.1. Default: a free port picked by the OS. */
  port?: number;
  /** Server `max_connections`. Default: 200, room for several test servers that each keep a pool. */
  maxConnections?: number;
  /** Extra server settings, each passed as `-c name=value`. They override the defaults of `startPostgresCluster`. */
  settings?: Record<string, string | number | boolean>;
  /** OS account that runs initdb and postgres when this process runs as root. Default: `postgres`. */
  osUser?: string;
  /** Milliseconds to wait for the server to accept connections after each start. Default: 30000. */
  startTimeoutMs?: number;
  /** Milliseconds to wait for the server to exit after each stop signal. Default: 30000. */
  stopTimeoutMs?: number;
}

/**
 * PostgreSQL shutdown modes and the signal that requests each: smart (SIGTERM) waits for every
 * client to disconnect, fast (SIGINT) ends sessions and writes a checkpoint, immediate (SIGQUIT)
 * exits at once and leaves crash recovery to the next start.
 */
export type ShutdownMode = 'smart' | 'fast' | 'immediate';

const SHUTDOWN_SIGNALS: Record<ShutdownMode, NodeJS.Signals> = {
  smart: 'SIGTERM',
  fast: 'SIGINT',
  immediate: 'SIGQUIT',
};

/** PostgreSQL truncates identifiers to 63 bytes. Names are ASCII, so URLs need no percent-encoding. */
const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** How many ports to try when another process takes the free port before postgres binds it. */
const PORT_ATTEMPTS = 5;

interface OsAccount {
  name: string;
  uid: number;
  gid: number;
}

interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/**
 * A throwaway PostgreSQL cluster in a temp directory, listening on 127.0.0.1 and on a Unix socket
 * inside that directory. Create one with `startPostgresCluster`.
 */
export class PostgresCluster {
  /** Temp directory that contains the data directory, the Unix socket and the server log. */
  readonly baseDir: string;
  /** PostgreSQL data directory (PGDATA). */
  readonly dataDir: string;
  /** Server log (stdout and stderr of every start, appended). */
  readonly logPath: string;
  /** Superuser role name. */
  readonly user: string;
  /** Database that `url` points to. */
  readonly database: string;

  readonly #binDir: string;
  readonly #account: OsAccount | undefined;
  readonly #serverArgs: (port: number) => string[];
  readonly #startTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  #port: number;
  /** Whether a failed first start may move to another port: false once a start succeeded or the caller chose one. */
  #portMayChange: boolean;
  #child: ChildProcess | undefined;
  #exit: Promise<ServerExit> | undefined;
  #exited: ServerExit | undefined;
  #removed = false;

  /** Records the cluster's paths and settings without starting anything. Use `startPostgresCluster` to create one. */
  constructor(config: {
    baseDir: string;
    binDir: string;
    account: OsAccount | undefined;
    user: string;
    database: string;
    port: number;
    portMayChange: boolean;
    settings: Record<string, string | number | boolean>;
    startTimeoutMs: number;
    stopTimeoutMs: number;
  }) {
    this.baseDir = config.baseDir;
    this.dataDir = join(config.baseDir, 'data');
    this.logPath = join(config.baseDir, 'postgres.log');
    this.user = config.user;
    this.database = config.database;
    this.#binDir = config.binDir;
    this.#account = config.account;
    this.#port = config.port;
    this.#portMayChange = config.portMayChange;
    this.#startTimeoutMs = config.startTimeoutMs;
    this.#stopTimeoutMs = config.stopTimeoutMs;
    this.#serverArgs = (port) => {
      const args = ['-D', this.dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', this.baseDir];
      for (const [name, value] of Object.entries(config.settings)) {
        args.push('-c', `${name}=${value}`);
      }
      return args;
    };
    liveClusters.add(this);
    installExitCleanup();
  }

  /** TCP port on 127.0.0.1, which `restartServer` and `startServer` keep. */
  get port(): number {
    return this.#port;
  }

  /** Connection URL of `database` as the superuser, with no password because pg_hba.conf trusts loopback. */
  get url(): string {
    return this.urlFor(this.database);
  }

  /** Process id of the running postmaster, or of the last one if the server is stopped. Throws if none was spawned. */
  get pid(): number {
    const pid = this.#child?.pid;
    if (pid === undefined) {
      throw new Error('PostgreSQL cluster has no server process: startServer() never succeeded');
    }
    return pid;
  }

  /** Whether the server process is alive, as far as this process has seen its exit. */
  get running(): boolean {
    return this.#child !== undefined && this.#exited === undefined;
  }

  /** Returns the connection URL of another database in this cluster. */
  urlFor(database: string): string {
    validateIdentifier('database name', database);
    return `postgres://${this.user}@127.0.0.1:${this.#port}/${database}`;
  }

  /** Creates an empty database and returns its connection URL, so that a test can keep its tables apart. */
  async createDatabase(name: string): Promise<string> {
    validateIdentifier('database name', name);
    const client = new pg.Client({ connectionString: this.urlFor('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.urlFor(name);
  }

  /**
   * Starts the server on the existing data directory and port and resolves once it accepts connections.
   * Rejects with the end of the server log when the process exits first or the wait times out.
   */
  async startServer(): Promise<void> {
    if (this.#removed) {
      throw new Error(
        `PostgreSQL cluster in ${this.baseDir} was removed by stop(). Create a new one with startPostgresCluster().`,
      );
    }
    if (this.running) {
      throw new Error(`PostgreSQL server is already running with pid ${this.pid}`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#startOnce();
        this.#portMayChange = false;
        return;
      } catch (error) {
        // The free port comes from a listener that is closed before postgres binds it, so another
        // process can take it in between.
        const portTaken = error instanceof PostgresStartError && error.logTail.includes('Address already in use');
        if (!this.#portMayChange || !portTaken || attempt >= PORT_ATTEMPTS) {
          throw error;
        }
        this.#port = await findFreePort();
      }
    }
  }

  async #startOnce(): Promise<void> {
    const logFd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(join(this.#binDir, 'postgres'), this.#serverArgs(this.#port), {
        cwd: this.baseDir,
        stdio: ['ignore', logFd, logFd],
        uid: this.#account?.uid,
        gid: this.#account?.gid,
      });
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(logFd);
    }
    // A cluster that a test never stops must not keep the process alive. The exit handlers kill it.
    child.unref();
    this.#child = child;
    this.#exited = undefined;
    const exit = new Promise<ServerExit>((resolve) => {
      const finish = (result: ServerExit): void => {
        if (this.#child === child) {
          this.#exited = result;
        }
        resolve(result);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (error) => finish({ code: null, signal: null, error }));
    });
    this.#exit = exit;
    await this.#waitUntilReady(exit);
  }

  /**
   * Stops the server and waits for the postmaster to exit. The data directory stays for `startServer`.
   * The default is fast shutdown, because a smart one waits for idle pool connections that tests may
   * still hold. A server that ignores the signal for `stopTimeoutMs` gets SIGQUIT, then SIGKILL.
   */
  async stopServer(mode: ShutdownMode = 'fast'): Promise<void> {
    const child = this.#child;
    const exit = this.#exit;
    if (child === undefined || exit === undefined || this.#exited !== undefined) {
      return;
    }
    const escalation: NodeJS.Signals[] = [SHUTDOWN_SIGNALS[mode], 'SIGQUIT', 'SIGKILL'];
    for (const signal of escalation) {
      child.kill(signal);
      if (await settlesWithin(exit, this.#stopTimeoutMs)) {
        return;
      }
    }
    throw new Error(`PostgreSQL server with pid ${child.pid} did not exit after SIGKILL; see ${this.logPath}`);
  }

  /** Stops the server and starts it again with the same data directory and port. */
  async restartServer(mode: ShutdownMode = 'fast'): Promise<void> {
    await this.stopServer(mode);
    await this.startServer();
  }

  /** Stops the server (fast shutdown) and removes the temp directory. Calling it again does nothing. */
  async stop(): Promise<void> {
    if (this.#removed) {
      return;
    }
    await this.stopServer('fast');
    this.#removed = true;
    liveClusters.delete(this);
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** Returns the last lines of the server log, for error messages. */
  readLogTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  /** Sends SIGQUIT to a running server and removes the temp directory without waiting, for exit handlers. */
  killSync(): void {
    if (this.running) {
      try {
        this.#child?.kill('SIGQUIT');
      } catch {
        // The process is already gone.
      }
    }
    this.#removed = true;
    liveClusters.delete(this);
    try {
      // Immediate shutdown still deletes a few files while this runs, hence the retries.
      rmSync(this.baseDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // Leaving a temp directory behind is better than throwing from an exit handler.
    }
  }

  async #waitUntilReady(exit: Promise<ServerExit>): Promise<void> {
    const deadline = Date.now() + this.#startTimeoutMs;
    let lastError: unknown;
    for (;;) {
      if (this.#exited !== undefined) {
        throw new PostgresStartError(describeExit(this.#exited), this.readLogTail());
      }
      try {
        // Only this cluster's server listens in its socket directory, so the probe cannot reach another
        // server that has bound the same TCP port. A postgres that cannot bind its TCP port exits.
        await probe({ host: this.baseDir, port: this.#port, user: this.user, database: 'postgres' });
        return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        const reason = lastError instanceof Error ? lastError.message : String(lastError);
        throw new PostgresStartError(
          `did not accept connections within ${this.#startTimeoutMs} ms (last error: ${reason})`,
          this.readLogTail(),
        );
      }
      await settlesWithin(exit, 100);
    }
  }
}

/** Failure to start the server, with the end of its log in the message. */
export class PostgresStartError extends Error {
  /** Last lines of the server log. */
  readonly logTail: string;

  constructor(reason: string, logTail: string) {
    super(`PostgreSQL server ${reason}\n--- end of server log ---\n${logTail}`);
    this.name = 'PostgresStartError';
    this.logTail = logTail;
  }
}

/**
 * Creates a PostgreSQL cluster in a new temp directory with initdb, starts `postgres` on 127.0.0.1
 * and creates `options.database`. Stop it with `stop()`. A process exit or SIGINT, SIGTERM or SIGHUP
 * also kills it, in case a test fails before it gets there.
 *
 * initdb and postgres reject root, so when this process is root both run as `options.osUser`
 * (default `postgres`). They are spawned with that uid and gid rather than through runuser or su,
 * which would stay in between as parent and receive the stop signals in place of the postmaster.
 *
 * Throws when the binaries are missing; a suite that needs PostgreSQL must fail, never skip.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? process.env.COFFER_PG_BIN ?? DEFAULT_POSTGRES_BIN_DIR;
  const user = options.user ?? 'coffer';
  const database = options.database ?? 'coffer';
  validateIdentifier('user name', user);
  validateIdentifier('database name', database);
  checkBinaries(binDir);
  const account = process.getuid?.() === 0 ? lookUpOsAccount(options.osUser ?? 'postgres') : undefined;

  const baseDir = mkdtempSync(join(tmpdir(), 'coffer-pg-'));
  let cluster: PostgresCluster | undefined;
  try {
    if (account !== undefined) {
      chownSync(baseDir, account.uid, account.gid);
    }
    const dataDir = join(baseDir, 'data');
    await runInitdb(binDir, baseDir, dataDir, user, account);
    writeHbaFile(dataDir, account);

    cluster = new PostgresCluster({
      baseDir,
      binDir,
      account,
      user,
      database,
      port: options.port ?? (await findFreePort()),
      portMayChange: options.port === undefined,
      settings: {
        max_connections: options.maxConnections ?? 200,
        shared_buffers: '32MB',
        // Production values, so that commit costs seen in tests resemble a real server.
        fsync: 'on',
        synchronous_commit: 'on',
        unix_socket_permissions: '0700',
        ...options.settings,
      },
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    });
    await cluster.startServer();
    if (database !== 'postgres') {
      await cluster.createDatabase(database);
    }
    return cluster;
  } catch (error) {
    if (cluster !== undefined) {
      cluster.killSync();
    } else {
      rmSync(baseDir, { recursive: true, force: true });
    }
    throw error;
  }
}

function checkBinaries(binDir: string): void {
  for (const name of ['initdb', 'postgres']) {
    const path = join(binDir, name);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(
        `PostgreSQL server binary not found or not executable: ${path}. Install PostgreSQL 15 ` +
          '(on Debian 12: apt-get install postgresql-15, which .ci/run does) or set COFFER_PG_BIN ' +
          'to a directory that contains initdb and postgres.',
      );
    }
  }
}

function lookUpOsAccount(name: string): OsAccount {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { name, uid, gid };
  } catch {
    throw new Error(
      `Running as root, but OS user '${name}' does not exist; initdb and postgres reject root. ` +
        "Install the postgresql-15 package, which creates the 'postgres' user, pass osUser, " +
        'or run the tests as another user.',
    );
  }
}

async function runInitdb(
  binDir: string,
  baseDir: string,
  dataDir: string,
  user: string,
  account: OsAccount | undefined,
): Promise<void> {
  const initdb = join(binDir, 'initdb');
  const args = ['-D', dataDir, '-U', user, '-E', 'UTF8', '--locale=C', '--auth=trust', '--no-instructions'];
  await new Promise<void>((resolve, reject) => {
    execFile(
      initdb,
      args,
      { cwd: baseDir, uid: account?.uid, gid: account?.gid, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve();
          return;
        }
        const runAs = account === undefined ? '' : ` as OS user '${account.name}'`;
        reject(new Error(`${initdb} failed${runAs}: ${error.message}\n${stdout}${stderr}`));
      },
    );
  });
}

/** Replaces initdb's pg_hba.conf: trust on the private Unix socket and IPv4 loopback, nothing else. */
function writeHbaFile(dataDir: string, account: OsAccount | undefined): void {
  const path = join(dataDir, 'pg_hba.conf');
  const lines = [
    '# Written by the Coffer test suite for a throwaway cluster.',
    'local all all trust',
    'host all all 127.0.0.1/32 trust',
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o600 });
  if (account !== undefined) {
    chownSync(path, account.uid, account.gid);
  }
}

async function findFreePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function probe(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
  // A failed connect also emits 'error'; the rejected promise already reports it.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves true once `promise` settles, or false after `ms`. Clears its timer, so it never keeps the process alive. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeExit(exit: ServerExit): string {
  if (exit.error !== undefined) {
    return `failed to start: ${exit.error.message}`;
  }
  return exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
}

function validateIdentifier(kind: string, value: string): void {
  if (!IDENTIFIER_PATTERN.test(value)) {
    throw new Error(
      `invalid ${kind} '${value}': use 1 to 63 ASCII letters, digits and underscores, not starting with a digit`,
    );
  }
}

/** Clusters not yet removed by stop(). The exit handlers kill their servers and delete their directories. */
const liveClusters = new Set<PostgresCluster>();
let exitCleanupInstalled = false;

function installExitCleanup(): void {
  if (exitCleanupInstalled) {
    return;
  }
  exitCleanupInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      process.removeListener(signal, onSignal);
      // With no other listener, die by the signal as the process would have without this handler.
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// NOTE: a test process killed with SIGKILL runs no handler and leaves its postgres and temp directory behind.
function killAllSync(): void {
  for (const cluster of liveClusters) {
    cluster.killSync();
  }
}
