import cluster from 'node:cluster';
import { ConfigError, DEFAULT_CONFIG, LOG_LEVELS, type LogLevel, type ServerConfig, startServer } from '@coffer/server';
import { Command, Option } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { type ListeningMessage, runClusterPrimary } from './serve-cluster.js';
import { byteSizeOption, integerOption, storageOptions } from './server-options.js';

interface ServeFlags {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize: number;
  rootKeyFile?: string;
  logLevel: LogLevel;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  maxBodySize: number;
  maxValueSize: number;
  eventRetentionDays: number;
  workers: number;
}

/**
 * `coffer serve`: runs the HTTP service until SIGINT or SIGTERM.
 *
 * @example
 * program.addCommand(serveCommand()); // coffer serve --port 7700 --data-dir ./.coffer
 */
export function serveCommand(): Command {
  const command = new Command('serve')
    .description('run the Coffer service (WorkOS Vault API) until SIGINT or SIGTERM')
    .addOption(new Option('--host <address>', 'address to listen on').env('COFFER_HOST').default(DEFAULT_CONFIG.host))
    .addOption(
      new Option('--port <number>', 'TCP port to listen on; 0 picks a free port')
        .env('COFFER_PORT')
        .default(DEFAULT_CONFIG.port)
        .argParser(integerOption('--port', 0, 65535)),
    );
  for (const option of storageOptions()) {
    command.addOption(option);
  }
  command
    .addOption(
      new Option('--database-pool-size <count>', 'PostgreSQL connections per server process (plus one for LISTEN)')
        .env('COFFER_DATABASE_POOL_SIZE')
        .default(DEFAULT_CONFIG.databasePoolSize)
        .argParser(integerOption('--database-pool-size', 1, 1000)),
    )
    .addOption(
      new Option(
        '--root-key-file <path>',
        'file with the base64 32-byte root key (default: <data-dir>/root.key, generated on first start); ' +
          'COFFER_ROOT_KEY may hold the key itself instead',
      ).env('COFFER_ROOT_KEY_FILE'),
    )
    .addOption(
      new Option('--log-level <level>', 'minimum level of the JSON log lines on stderr')
        .env('COFFER_LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default(DEFAULT_CONFIG.logLevel),
    )
    .addOption(
      new Option('--tls-cert <path>', 'PEM certificate chain; serve HTTPS with --tls-key').env('COFFER_TLS_CERT'),
    )
    .addOption(new Option('--tls-key <path>', 'PEM private key for --tls-cert').env('COFFER_TLS_KEY'))
    .addOption(
      new Option(
        '--insecure-http',
        'allow plain HTTP on a non-loopback address (TLS ends at a proxy); COFFER_INSECURE_HTTP=true does the same',
      ),
    )
    .addOption(
      new Option('--max-body-size <size>', 'largest accepted request body, e.g. 8MiB (KiB/MiB count 1024, KB/MB 1000)')
        .env('COFFER_MAX_BODY_SIZE')
        .default(DEFAULT_CONFIG.maxBodyBytes, '8MiB')
        .argParser(byteSizeOption('--max-body-size')),
    )
    .addOption(
      new Option(
        '--max-value-size <size>',
        'largest object value in UTF-8 bytes, e.g. 1MiB (KiB/MiB count 1024, KB/MB 1000)',
      )
        .env('COFFER_MAX_VALUE_SIZE')
        .default(DEFAULT_CONFIG.maxValueBytes, '1MiB')
        .argParser(byteSizeOption('--max-value-size')),
    )
    .addOption(
      new Option(
        '--event-retention-days <days>',
        'days an audit event is kept before it is deleted; 0 keeps events forever',
      )
        .env('COFFER_EVENT_RETENTION_DAYS')
        .default(DEFAULT_CONFIG.eventRetentionDays)
        .argParser(integerOption('--event-retention-days', 0, 100_000)),
    )
    .addOption(
      new Option('--workers <count>', 'number of server processes sharing the port, to use several CPU cores')
        .env('COFFER_WORKERS')
        .default(1)
        .argParser(integerOption('--workers', 1, 256)),
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  COFFER_ROOT_KEY            base64 of the 32-byte root key (instead of a key file)\n' +
        '  COFFER_BOOTSTRAP_API_KEY   an API key secret (sk_...) that must exist; created if missing, never logged\n' +
        '\nOn first start Coffer creates the data dir, the SQLite database, a development root key file\n' +
        '(mode 0600) and, when no API key exists, one API key that it prints once on stdout.\n',
    )
    .action(async (flags: ServeFlags) => {
      await runServe(flags);
    });
  return command;
}

async function runServe(flags: ServeFlags): Promise<void> {
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    host: flags.host,
    port: flags.port,
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl,
    databasePoolSize: flags.databasePoolSize,
    rootKeyFile: flags.rootKeyFile,
    rootKey: nonEmpty(process.env.COFFER_ROOT_KEY),
    logLevel: flags.logLevel,
    tlsCertFile: flags.tlsCert,
    tlsKeyFile: flags.tlsKey,
    insecureHttp: flags.insecureHttp === true || parseBooleanEnv('COFFER_INSECURE_HTTP'),
    bootstrapApiKey: nonEmpty(process.env.COFFER_BOOTSTRAP_API_KEY),
    maxBodyBytes: flags.maxBodySize,
    maxValueBytes: flags.maxValueSize,
    eventRetentionDays: flags.eventRetentionDays,
    benchmarkBaseline: process.env.COFFER_BENCHMARK_BASELINE === '1',
  };

  try {
    if (flags.workers > 1 && cluster.isPrimary) {
      await runClusterPrimary(config, flags.workers);
    } else {
      await serveUntilSignal(config);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(error.message, EXIT.usage);
    }
    throw error;
  }
}

/** Runs one server process, as the only process or as a cluster worker, until SIGINT or SIGTERM. */
async function serveUntilSignal(config: ServerConfig): Promise<void> {
  const server = await startServer(config, { stdout: process.stdout, announce: cluster.isPrimary });
  if (cluster.isWorker) {
    const message: ListeningMessage = { type: 'coffer:listening', url: server.url };
    process.send?.(message);
  }

  await new Promise<void>((resolve, reject) => {
    let stopping = false;
    // The handlers stay installed after the first signal: a terminal's Ctrl-C reaches every
    // process of a cluster, and the primary then sends SIGTERM too, which must not cut the
    // graceful stop short.
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        return;
      }
      stopping = true;
      server.logger.info({ signal }, 'stopping: finishing in-flight requests');
      server.close().then(resolve, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (cluster.isWorker) {
    // The IPC channel to the primary would otherwise keep this process alive.
    process.disconnect?.();
  }
}

/**
 * Reads a yes/no environment variable strictly. `true`, `1`, `yes` and `on` mean yes, while
 * `false`, `0`, `no`, `off` and empty mean no, and anything else is a usage error. Commander would
 * treat any value, `false` included, as yes.
 */
function parseBooleanEnv(name: string): boolean {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined || ['', 'false', '0', 'no', 'off'].includes(value)) {
    return false;
  }
  if (['true', '1', 'yes', 'on'].includes(value)) {
    return true;
  }
  throw new CliError(
    `${name} must be true or false (also 1/0, yes/no, on/off), got "${process.env[name]}"`,
    EXIT.usage,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
