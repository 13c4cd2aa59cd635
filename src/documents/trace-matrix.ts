import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import { Readable } from 'node:stream';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { linkTypesOf, type LinkType } from '../projects/link-types.service.js';
import {
  specificationFor,
  toSpecification,
  type Specification,
} from '../specifications/specifications.service.js';
import { linkedItems, slugOf, type LinkedItem, type LinkEnd } from './linked-items.js';
import {
  CONTENT_TYPES,
  CSV_OPTIONS,
  EXTENSIONS,
  type ExportFile,
  type ExportFormat,
} from './specification-export.js';

type Rows = AsyncGenerator<LinkedItem>;

/** A matrix cell's entry: the other item by key and title. */
function entry(end: LinkEnd) {
  return {
    linkId: end.id,
    type: end.type,
    id: end.item.id,
    key: end.item.key,
    title: end.item.title,
    specificationId: end.item.specificationId,
    suspect: end.suspect,
  };
}

async function* json(spec: Specification, rows: Rows) {
  yield `{"specification":${JSON.stringify({ id: spec.id, title: spec.title, status: spec.status })},"items":[`;
  let first = true;
  for await (const { item, outgoing, incoming } of rows) {
    const row = {
      id: item.id,
      key: item.key,
      title: item.title,
      status: item.status,
      outgoing: outgoing.map(entry),
      incoming: incoming.map(entry),
    };
    yield (first ? '' : ',') + JSON.stringify(row);
    first = false;
  }
  yield ']}\n';
}

/** One row per link end (an item without links: one row with empty link cells). */
async function* csv(rows: Rows) {
  yield stringify(
    [['key', 'title', 'status', 'direction', 'type', 'linkedKey', 'linkedTitle', 'suspect']],
    CSV_OPTIONS,
  );
  for await (const { item, outgoing, incoming } of rows) {
    const own = [item.key, item.title, item.status];
    const cells = [
      ...outgoing.map((l) => ['outgoing', l.type, l.item.key, l.item.title, String(l.suspect)]),
      ...incoming.map((l) => ['incoming', l.type, l.item.key, l.item.title, String(l.suspect)]),
    ];
    const lines =
      cells.length > 0 ? cells.map((c) => [...own, ...c]) : [[...own, '', '', '', '', '']];
    yield stringify(lines, CSV_OPTIONS);
  }
}

/** Text safe in a Markdown table cell: one line, pipes and markup escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\|*_`[\]<>]/g, (c) => `\\${c}`);
}

async function* markdown(spec: Specification, rows: Rows, types: Map<string, LinkType>) {
  const phrase = (end: LinkEnd, inverse: boolean) => {
    const type = types.get(end.type);
    const name = (inverse ? type?.inverseName : type?.name) ?? end.type;
    return `${cell(name)} ${end.item.key}${end.suspect ? ' (suspect)' : ''}`;
  };
  yield `# Trace matrix: ${cell(spec.title)}\n\n`;
  yield '| Item | Title | Outgoing | Incoming |\n| --- | --- | --- | --- |\n';
  for await (const { item, outgoing, incoming } of rows) {
    const out = outgoing.map((l) => phrase(l, false)).join('<br>');
    const inc = incoming.map((l) => phrase(l, true)).join('<br>');
    yield `| ${item.key} | ${cell(item.title)} | ${out} | ${inc} |\n`;
  }
}

/**
 * The traceability matrix of a specification: each item in document order with its outgoing and
 * incoming links, streamed like the export (access checked before the first byte).
 */
export async function traceMatrix(
  db: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  format: ExportFormat,
): Promise<ExportFile> {
  const row = await specificationFor(db, ctx.actor.userId, specificationId, 'viewer');
  const spec = toSpecification(row, ctx.enc);
  const rows = linkedItems(db, ctx, specificationId);
  const chunks =
    format === 'markdown'
      ? markdown(spec, rows, await linkTypesOf(db, row.project_id))
      : format === 'json'
        ? json(spec, rows)
        : csv(rows);
  return {
    stream: Readable.from(chunks),
    contentType: CONTENT_TYPES[format],
    filename: `${slugOf(spec.title, 'specification')}-trace.${EXTENSIONS[format]}`,
  };
}
