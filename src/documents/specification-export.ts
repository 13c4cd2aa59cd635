import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import { Readable } from 'node:stream';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { attributeNamesOf, itemBatches, type Item } from '../items/items.service.js';
import { linkTypesOf } from '../projects/link-types.service.js';
import {
  specificationFor,
  toSpecification,
  type Specification,
} from '../specifications/specifications.service.js';
import { linkedItems, slugOf, type LinkedItem } from './linked-items.js';
import { reqifChunks, type ReqifItem } from './reqif-export.js';

export type ExportFormat = 'markdown' | 'json' | 'csv' | 'reqif';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  reqif: 'application/xml; charset=utf-8',
};

export const EXTENSIONS: Record<ExportFormat, string> = {
  markdown: 'md',
  json: 'json',
  csv: 'csv',
  reqif: 'reqif',
};

// Cells starting with = + - @ are quoted so that a spreadsheet does not run them as formulas.
export const CSV_OPTIONS = { escape_formulas: true };

/** A file to send: a stream with its type and name. */
export interface ExportFile {
  stream: Readable;
  contentType: string;
  filename: string;
}

export async function* items<T>(batches: AsyncGenerator<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** Items as Markdown sections: `## KEY Title`, the status, the body. */
export async function* markdownItems(all: AsyncIterable<Item>) {
  for await (const item of all) {
    yield `## ${item.key} ${item.title}\n\nStatus: ${item.status}\n\n`;
    if (item.body !== '') yield `${item.body.trimEnd()}\n\n`;
  }
}

async function* markdown(spec: Specification, all: AsyncGenerator<Item>) {
  yield `# ${spec.title}\n\n`;
  yield `Status: ${spec.status}\n\n`;
  if (spec.description) yield `${spec.description.trimEnd()}\n\n`;
  yield* markdownItems(all);
}

/** Each item with `links`: its outgoing links, the target named by id, key and title. */
async function* json(spec: Specification, all: AsyncGenerator<LinkedItem>) {
  yield `{"specification":${JSON.stringify(spec)},"items":[`;
  let first = true;
  for await (const { item, outgoing } of all) {
    const links = outgoing.map((l) => ({
      id: l.id,
      type: l.type,
      target: l.item,
      suspect: l.suspect,
      suspectSince: l.suspectSince,
    }));
    const { attributes, ...fields } = item;
    // The attributes an import kept, when there are any.
    const kept = attributes === null ? {} : { attributes };
    yield (first ? '' : ',') + JSON.stringify({ ...fields, ...kept, links });
    first = false;
  }
  yield ']}\n';
}

/** Items with their outgoing links as the ReqIF writer takes them. */
async function* reqifItems(all: AsyncGenerator<LinkedItem>): AsyncGenerator<ReqifItem> {
  for await (const { item, outgoing } of all) {
    yield { ...item, links: outgoing.map((l) => ({ type: l.type, targetId: l.item.id })) };
  }
}

/** Items as CSV rows under a header row. */
export async function* csv(all: AsyncIterable<Item>) {
  yield stringify([['key', 'title', 'status', 'body', 'id', 'version', 'updatedAt']], CSV_OPTIONS);
  for await (const item of all) {
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
      CSV_OPTIONS,
    );
  }
}

/**
 * A whole specification in document order as a stream. Access is checked before the first byte;
 * items are then read in batches of 500.
 */
export async function exportSpecification(
  db: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  format: ExportFormat,
): Promise<ExportFile> {
  const spec = toSpecification(
    await specificationFor(db, ctx.actor.userId, specificationId, 'viewer'),
    ctx.enc,
  );
  const chunks =
    format === 'markdown'
      ? markdown(spec, items(itemBatches(db, ctx, specificationId)))
      : format === 'json'
        ? json(spec, linkedItems(db, ctx, specificationId))
        : format === 'csv'
          ? csv(items(itemBatches(db, ctx, specificationId)))
          : reqifChunks(
              {
                id: spec.id,
                title: spec.title,
                lastChange: spec.updatedAt,
                attributeNames: await attributeNamesOf(db, ctx.enc, specificationId),
                linkTypes: [...(await linkTypesOf(db, spec.projectId)).values()],
                tool: 'Gilla',
              },
              reqifItems(linkedItems(db, ctx, specificationId)),
            );
  return {
    stream: Readable.from(chunks),
    contentType: CONTENT_TYPES[format],
    filename: `${slugOf(spec.title, 'specification')}.${EXTENSIONS[format]}`,
  };
}
