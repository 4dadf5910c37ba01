import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';

const templates = new WeakMap<object, Map<string, { sql: string; order: number[] }>>();

/**
 * Runs a query whose shape never changes, building and compiling it with Kysely only on first
 * use per connection. Later calls reuse the SQL text with new parameter values, which skips
 * Kysely's query building, a noticeable cost on hot read paths. `build` receives placeholder
 * strings in the order of `values` and must use each exactly once as a parameter.
 *
 * @example
 * const result = await runTemplate(db, 'object-by-id', [environmentId, id], ([env, id]) =>
 *   db.selectFrom('objects').selectAll().where('environment_id', '=', env).where('id', '=', id));
 */
export async function runTemplate<Row>(
  db: Kysely<unknown> | object,
  name: string,
  values: readonly unknown[],
  build: (placeholders: string[]) => Compilable<Row>,
): Promise<QueryResult<Row>> {
  let byName = templates.get(db);
  if (byName === undefined) {
    byName = new Map();
    templates.set(db, byName);
  }
  let template = byName.get(name);
  if (template === undefined) {
    const placeholders = values.map((_, index) => `\u0000template-parameter-${index}\u0000`);
    const compiled = build(placeholders).compile();
    const order = compiled.parameters.map((parameter) => placeholders.indexOf(parameter as string));
    if (order.includes(-1) || new Set(order).size !== placeholders.length) {
      throw new Error(`query template ${name} must use each placeholder exactly once as a parameter`);
    }
    template = { sql: compiled.sql, order };
    byName.set(name, template);
  }
  const parameters = template.order.map((index) => values[index]);
  return (db as Kysely<unknown>).executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
}
