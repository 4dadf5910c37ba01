import { Command } from 'commander';
import { kvDeleteCommand } from './kv-delete.js';
import { kvDescribeCommand } from './kv-describe.js';
import { kvGetCommand } from './kv-get.js';
import { kvListCommand } from './kv-list.js';
import { kvPutCommand } from './kv-put.js';
import { kvVersionsCommand } from './kv-versions.js';

/**
 * `coffer kv put|get|list|delete|versions|describe`: encrypted objects stored on the server.
 *
 * @example
 * program.addCommand(kvCommand());
 */
export function kvCommand(): Command {
  return new Command('kv')
    .description('store, read, list and delete encrypted objects (small secrets kept by the server)')
    .addCommand(kvPutCommand())
    .addCommand(kvGetCommand())
    .addCommand(kvListCommand())
    .addCommand(kvDeleteCommand())
    .addCommand(kvVersionsCommand())
    .addCommand(kvDescribeCommand());
}
