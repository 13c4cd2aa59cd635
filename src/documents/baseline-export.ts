import type { Kysely } from 'kysely';
import { Readable } from 'node:stream';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import {
  baselineFor,
  baselineItemBatches,
  toBaseline,
  type Baseline,
  type BaselineItem,
} from '../baselines/baselines.service.js';
import { linkTypesOf } from '../projects/link-types.service.js';
import { slugOf } from './linked-items.js';
import { reqifChunks, type ReqifItem } from './reqif-export.js';
import {
  CONTENT_TYPES,
  csv,
  EXTENSIONS,
  items,
  markdownItems,
  type ExportFile,
  type ExportFormat,
} from './specification-export.js';

async function* markdown(baseline: Baseline, all: AsyncGenerator<BaselineItem>) {
  yield `# ${baseline.specificationTitle}\n\n`;
  yield `Baseline: ${baseline.name}, taken ${baseline.createdAt.toISOString()}\n\n`;
  yield `Content hash (SHA-256): ${baseline.contentHash}\n\n`;
  if (baseline.description) yield `${baseline.description.trimEnd()}\n\n`;
  yield* markdownItems(all);
}

/** The baseline, then its items in document order, each with its outgoing links as kept. */
async function* json(baseline: Baseline, all: AsyncGenerator<BaselineItem>) {
  yield `{"baseline":${JSON.stringify(baseline)},"items":[`;
  let first = true;
  for await (const item of all) {
    yield (first ? '' : ',') + JSON.stringify(item);
    first = false;
  }
  yield ']}\n';
}

/** A baseline's items as the ReqIF writer takes them (a baseline keeps no attributes). */
async function* reqifItems(all: AsyncGenerator<BaselineItem>): AsyncGenerator<ReqifItem> {
  for await (const item of all) {
    const links = item.links.map((l) => ({ type: l.type, targetId: l.target.id }));
    yield { ...item, attributes: null, links };
  }
}

/**
 * A baseline as a file, in the formats of a specification's export. Access is checked before the
 * first byte; the items never change, so they are read in batches after it.
 */
export async function exportBaseline(
  db: Kysely<Database>,
  ctx: Context,
  baselineId: string,
  format: ExportFormat,
): Promise<ExportFile> {
  const baseline = toBaseline(
    await baselineFor(db, ctx.actor.userId, baselineId, 'viewer'),
    ctx.enc,
  );
  const all = () => items(baselineItemBatches(db, ctx.enc, baselineId));
  const chunks =
    format === 'markdown'
      ? markdown(baseline, all())
      : format === 'json'
        ? json(baseline, all())
        : format === 'csv'
          ? csv(all())
          : reqifChunks(
              {
                id: baseline.specificationId,
                title: baseline.specificationTitle,
                lastChange: baseline.createdAt,
                attributeNames: [],
                linkTypes: [...(await linkTypesOf(db, baseline.projectId)).values()],
                tool: 'Gilla',
              },
              reqifItems(all()),
            );
  return {
    stream: Readable.from(chunks),
    contentType: CONTENT_TYPES[format],
    filename: `${slugOf(`${baseline.specificationTitle} ${baseline.name}`, 'baseline')}.${EXTENSIONS[format]}`,
  };
}
