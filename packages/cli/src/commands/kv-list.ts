import type { ObjectSummary } from '@coffer/client';
import { Command, Option } from 'commander';
import { type ConnectionFlags, clientHelp, connect, withConnectionOptions } from './connection-options.js';
import { printJson, summaryJson } from './json-shapes.js';
import { wholeNumberOption } from './whole-number-option.js';

interface ListFlags extends ConnectionFlags {
  search?: string;
  limit?: number;
  after?: string;
  order?: 'asc' | 'desc';
  all?: boolean;
}

/**
 * `coffer kv list`: lists object names one page at a time, or all of them with `--all`.
 *
 * @example
 * kv.addCommand(kvListCommand());
 */
export function kvListCommand(): Command {
  const command = new Command('list')
    .description('list object names, newest first')
    .option('--search <text>', 'only names that contain this text (case-sensitive)')
    .addOption(
      new Option('--limit <count>', 'objects per page, 1 to 100 (server default 10; 100 with --all)').argParser(
        wholeNumberOption('--limit', 1, 100),
      ),
    )
    .option('--after <cursor>', 'start after this cursor, printed at the end of the previous page')
    .addOption(new Option('--order <order>', 'creation-time order').choices(['asc', 'desc']))
    .option('--all', 'fetch every page instead of one');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        ['coffer kv list --search stripe', 'coffer kv list --all --json'],
        'Output: one object per line, name, id and last update time, separated by tabs.',
      ),
    )
    .action(async (flags: ListFlags) => {
      await runList(flags);
    });
  return command;
}

async function runList(flags: ListFlags): Promise<void> {
  const client = connect(flags);
  const filters = { search: flags.search, after: flags.after, order: flags.order };

  let objects: ObjectSummary[];
  let next: string | null = null;
  if (flags.all === true) {
    objects = [];
    for await (const summary of client.listAllObjects({ ...filters, limit: flags.limit ?? 100 })) {
      objects.push(summary);
    }
  } else {
    const page = await client.listObjects({ ...filters, limit: flags.limit });
    objects = page.data;
    next = page.listMetadata.after;
  }

  if (flags.json === true) {
    printJson({ data: objects.map(summaryJson), list_metadata: { before: next, after: next } });
    return;
  }
  for (const summary of objects) {
    process.stdout.write(`${summary.name}\t${summary.id}\t${summary.updatedAt?.toISOString() ?? ''}\n`);
  }
  if (next !== null) {
    process.stderr.write(`more objects follow: add --after ${next}\n`);
  }
}
