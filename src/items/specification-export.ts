import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import { Readable } from 'node:stream';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import {
  specificationFor,
  toSpecification,
  type Specification,
} from '../specifications/specifications.service.js';
import { listItemRowsOfUser } from './items.repository.js';
import { toItem, type Item } from './items.service.js';

export type ExportFormat = 'markdown' | 'json' | 'csv';

const BATCH = 500;

const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', json: 'json', csv: 'csv' };

/**
 * Every item in document order, a batch at a time, so memory stays flat however long it is. Each
 * batch is the API's own page query, so a caller removed from the project mid-export gets no more.
 */
async function* itemsInOrder(
  db: Kysely<Database>,
  enc: Encryptor,
  actorId: string,
  specificationId: string,
): AsyncGenerator<Item> {
  let afterOrderKey: string | null = null;
  for (;;) {
    const rows = await listItemRowsOfUser(db, specificationId, actorId, {
      afterOrderKey,
      limit: BATCH,
    });
    for (const row of rows) yield toItem(row, enc);
    const last = rows.at(-1);
    if (rows.length < BATCH || !last) return;
    afterOrderKey = last.order_key;
  }
}

async function* markdown(spec: Specification, items: AsyncGenerator<Item>) {
  yield `# ${spec.title}\n\n`;
  yield `Status: ${spec.status}\n\n`;
  if (spec.description) yield `${spec.description.trimEnd()}\n\n`;
  for await (const item of items) {
    yield `## ${item.key} ${item.title}\n\nStatus: ${item.status}\n\n`;
    if (item.body !== '') yield `${item.body.trimEnd()}\n\n`;
  }
}

async function* json(spec: Specification, items: AsyncGenerator<Item>) {
  yield `{"specification":${JSON.stringify(spec)},"items":[`;
  let first = true;
  for await (const item of items) {
    yield (first ? '' : ',') + JSON.stringify(item);
    first = false;
  }
  yield ']}\n';
}

async function* csv(items: AsyncGenerator<Item>) {
  // Cells starting with = + - @ are quoted so that a spreadsheet does not run them as formulas.
  const options = { escape_formulas: true };
  yield stringify([['key', 'title', 'status', 'body', 'id', 'version', 'updatedAt']], options);
  for await (const item of items) {
    yield stringify(
      [
        [
          item.key,
          item.title,
          item.status,
          item.body,
          item.id,
          item.version,
          item.updatedAt.toISOString(),
        ],
      ],
      options,
    );
  }
}

/**
 * A whole specification in document order as a stream. Access is checked before the first byte;
 * items are then read in batches of 500.
 */
export async function exportSpecification(
  db: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
  format: ExportFormat,
): Promise<{ stream: Readable; contentType: string; filename: string }> {
  const actorId = actor.userId;
  const spec = toSpecification(await specificationFor(db, actorId, specificationId, 'viewer'), enc);
  const items = itemsInOrder(db, enc, actorId, specificationId);
  const chunks =
    format === 'markdown'
      ? markdown(spec, items)
      : format === 'json'
        ? json(spec, items)
        : csv(items);
  const slug =
    spec.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'specification';
  return {
    stream: Readable.from(chunks),
    contentType: EXPORT_CONTENT_TYPES[format],
    filename: `${slug}.${EXTENSIONS[format]}`,
  };
}
