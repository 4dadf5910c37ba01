import cluster, { type Worker } from 'node:cluster';
import { createLogger, prepareServer, type ServerConfig } from '@coffer/server';

/** A worker that dies sooner than this after starting counts as a failed start, in milliseconds. */
const MIN_HEALTHY_UPTIME_MS = 5000;
/** Failed starts in a row after which the primary gives up instead of forking again. */
const MAX_FAILED_STARTS = 5;

/**
 * Message a worker sends the primary once it listens.
 *
 * @example
 * process.send?.({ type: 'coffer:listening', url: server.url } satisfies ListeningMessage);
 */
export interface ListeningMessage {
  type: 'coffer:listening';
  url: string;
}

/**
 * Runs `coffer serve --workers N` as the cluster primary. It prepares the data dir once and
 * forks N worker processes that share the listening port. It prints the address when all of
 * them listen and replaces a worker that dies. On SIGINT or SIGTERM it stops every worker.
 *
 * @example
 * await runClusterPrimary(config, 4); // coffer serve --workers 4
 */
export async function runClusterPrimary(config: ServerConfig, workerCount: number): Promise<void> {
  const logger = createLogger(config.logLevel);
  await prepareServer(config, { stdout: process.stdout, logger });

  let stopping = false;
  let failedStarts = 0;
  const startedAt = new Map<number, number>();
  const listening = new Set<number>();
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    worker.on('message', (message: ListeningMessage) => {
      if (message?.type !== 'coffer:listening') {
        return;
      }
      listening.add(worker.id);
      if (!announced && listening.size === workerCount) {
        announced = true;
        logger.info({ url: message.url, workers: workerCount }, 'all workers are listening');
        process.stdout.write(`Coffer is listening on ${message.url} (${workerCount} worker processes)\n`);
      }
    });
    return worker;
  };

  await new Promise<void>((resolve, reject) => {
    cluster.on('exit', (worker, code, signal) => {
      listening.delete(worker.id);
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          resolve();
        }
        return;
      }
      const uptime = Date.now() - (startedAt.get(worker.id) ?? 0);
      failedStarts = uptime < MIN_HEALTHY_UPTIME_MS ? failedStarts + 1 : 0;
      logger.error(
        { worker_pid: worker.process.pid, code, signal, uptime_ms: uptime },
        'worker process exited; starting another',
      );
      if (failedStarts >= MAX_FAILED_STARTS) {
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) {
          other?.process.kill('SIGTERM');
        }
        reject(new Error(`workers exited ${failedStarts} times in a row right after starting; see the log above`));
        return;
      }
      setTimeout(fork, Math.min(1000 * failedStarts, 5000));
    });

    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        return;
      }
      stopping = true;
      logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping all workers');
      for (const worker of Object.values(cluster.workers ?? {})) {
        worker?.process.kill('SIGTERM');
      }
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);

    for (let index = 0; index < workerCount; index++) {
      fork();
    }
  });
  logger.info('coffer stopped');
  logger.flush();
}
