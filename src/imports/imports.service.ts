import { recordActivity } from '../audit/audit.service.js';
import { generateNKeysBetween } from 'fractional-indexing';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { isUuid } from '../domain/cursor.js';
import { ConflictError, ImportInvalidError, NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { movedIndexes } from '../baselines/moved.js';
import { canonicalMarkdown } from '../documents/markdown-xhtml.js';
import type { ItemRow } from '../items/items.table.js';
import type { SpecificationRow } from '../specifications/specifications.table.js';
import {
  linkEdges,
  linkTypesForImport,
  type ImportedLinkType,
  type LinkType,
} from '../projects/link-types.service.js';
import { markLinksSuspect } from '../items/items.service.js';
import {
  allocateItemNumber,
  lockProjectOfUser,
  projectTraceChanged,
} from '../projects/projects.service.js';
import {
  createImportedSpecification,
  holdSpecification,
  specificationChanged,
  specificationFor,
  specificationsByRef,
} from '../specifications/specifications.service.js';
import type { ImportPlan, LinkEnd, PlannedItem, PlannedSpecification } from './import-plan.js';
import {
  bumpItemVersions,
  findItemRefs,
  findItemsByRef,
  insertItemRows,
  insertLinkRows,
  insertRevisionRows,
  linksFrom,
  lockItems,
  orderOf,
  moveItemRows,
  updateImportedItem,
  type NewItemRow,
  type NewLinkRow,
  type NewRevisionRow,
} from './imports.repository.js';

/** What an import did. */
export interface ImportResult {
  specifications: { id: string; title: string }[];
  created: number;
  updated: number;
  unchanged: number;
  links: number;
  warnings: string[];
}

const MAX_BODY_BYTES = 64 * 1024;
const FOREIGN_ID = 'ReqIF.ForeignID';

/** An item of the file with where it ends up. */
interface Placed {
  plan: PlannedItem;
  /** The specification of the file it belongs to (index into the plan's). */
  spec: number;
  existing: ItemRow | null;
  id: string;
}

/** How messages name an item of the file (long names cut). */
function nameOf(item: PlannedItem): string {
  const name = item.ref ?? item.key ?? item.title;
  return name.length > 80 ? `${name.slice(0, 79)}…` : name;
}

/** Longer identifiers than this are refused (they are matched through a unique index). */
const MAX_REF = 255;

/** At most this many warnings are listed; the last one says how many more there were. */
const MAX_WARNINGS = 100;

function capped(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  const more = warnings.length - (MAX_WARNINGS - 1);
  return [...warnings.slice(0, MAX_WARNINGS - 1), `… and ${more} more`];
}

function attributesOf(enc: Encryptor, row: ItemRow): Record<string, string> {
  return row.attributes_enc === null
    ? {}
    : (JSON.parse(enc.decrypt(row.attributes_enc)) as Record<string, string>);
}

/** The attributes to keep: a foreign id that only repeats the item's key is not kept. */
function keptAttributes(attributes: Record<string, string>, key: string): Record<string, string> {
  if (attributes[FOREIGN_ID]?.toUpperCase() !== key) return attributes;
  const { [FOREIGN_ID]: _same, ...rest } = attributes;
  return rest;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function encryptAttributes(enc: Encryptor, attributes: Record<string, string>): string | null {
  return Object.keys(attributes).length === 0 ? null : enc.encrypt(JSON.stringify(attributes));
}

/** Matches the file's items with the project's: by id, by recorded name, then by key. */
async function matchItems(
  trx: Kysely<Database>,
  projectId: string,
  specs: PlannedSpecification[],
  warnings: string[],
): Promise<Placed[]> {
  const all = specs.flatMap((spec, index) => spec.items.map((plan) => ({ plan, spec: index })));
  const seen = new Set<string>();
  for (const { plan } of all) {
    for (const name of [plan.ref, plan.key]) {
      if (name !== null && name.length > MAX_REF) {
        throw new ImportInvalidError(
          `"${nameOf(plan)}": an identifier or key is longer than ${MAX_REF} characters`,
        );
      }
    }
    if (plan.ref === null) continue;
    if (seen.has(plan.ref)) throw new ImportInvalidError(`"${nameOf(plan)}" names two items`);
    seen.add(plan.ref);
  }
  const refs = all.flatMap(({ plan }) => (plan.ref === null ? [] : [plan.ref]));
  const keys = all.flatMap(({ plan }) => (plan.key === null ? [] : [plan.key]));
  const rows =
    refs.length + keys.length === 0
      ? []
      : await findItemsByRef(trx, projectId, { ids: refs.filter(isUuid), refs, keys });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byRef = new Map(rows.filter((r) => r.external_id !== null).map((r) => [r.external_id, r]));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const claimed = new Set<string>();
  return all.map(({ plan, spec }) => {
    // An item Gilla named by its id (another project's, or a deleted one's) is matched by that
    // id alone: its key may belong to an unrelated item here (project keys repeat).
    const byKeyToo = plan.ref === null || !isUuid(plan.ref);
    let existing =
      (plan.ref === null ? undefined : (byId.get(plan.ref) ?? byRef.get(plan.ref))) ??
      (plan.key === null || !byKeyToo ? undefined : byKey.get(plan.key)) ??
      null;
    if (existing && claimed.has(existing.id)) {
      warnings.push(
        `"${nameOf(plan)}" matches ${existing.key}, which another item of the file matched first; it is imported as a new item`,
      );
      existing = null;
    }
    if (existing) claimed.add(existing.id);
    return { plan, spec, existing, id: existing?.id ?? uuidv7() };
  });
}

/**
 * The items of a specification that the file puts in another order than they are in: those
 * outside a longest run that keeps its order (as a diff counts moves), so that inserting or
 * removing items moves no others.
 */
function movedItems(placed: Placed[], specificationId: string): string[] {
  const here = placed.filter((p) => p.existing?.specification_id === specificationId);
  const inOrder = [...here].sort((a, b) =>
    (a.existing as ItemRow).order_key < (b.existing as ItemRow).order_key ? -1 : 1,
  );
  const fileIndex = new Map(here.map((p, i) => [p.id, i]));
  return movedIndexes(inOrder.map((p) => fileIndex.get(p.id) as number)).map(
    (i) => (inOrder[i] as Placed).id,
  );
}

/**
 * The order keys for a specification's new and moved items, each run of them where the file
 * puts it.
 */
function orderKeysFor(
  placed: Placed[],
  specificationId: string,
  current: string[],
  moved: ReadonlySet<string>,
): Map<string, string> {
  const keys = [...current];
  const result = new Map<string, string>();
  const indexAfter = (key: string | null) => {
    // The first position whose key is greater than `key`.
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key !== null && (keys[mid] as string) <= key) lo = mid + 1;
      else hi = mid;
    }
    return key === null ? 0 : lo;
  };
  const stays = (p: Placed) => p.existing?.specification_id === specificationId && !moved.has(p.id);
  const anchors = placed.filter(stays);
  let previous: string | null | undefined = undefined;
  let run: Placed[] = [];
  const flush = (next: string | null | undefined) => {
    if (run.length === 0) return;
    let low: string | null;
    let at: number;
    if (previous !== undefined) {
      at = indexAfter(previous);
      low = previous;
    } else if (next !== undefined && next !== null) {
      // A run before the file's first item already here goes right before that item.
      at = indexAfter(next) - 1;
      low = at > 0 ? (keys[at - 1] as string) : null;
    } else {
      at = keys.length;
      low = keys.at(-1) ?? null;
    }
    const high = keys[at] ?? null;
    const made = generateNKeysBetween(low, high, run.length);
    run.forEach((p, i) => result.set(p.id, made[i] as string));
    keys.splice(at, 0, ...made);
    previous = made.at(-1);
    run = [];
  };
  const firstAnchor = anchors[0]?.existing?.order_key ?? null;
  for (const p of placed) {
    if (p.existing === null || moved.has(p.id)) run.push(p);
    else if (stays(p)) {
      flush(previous === undefined ? firstAnchor : undefined);
      previous = p.existing.order_key;
    }
  }
  flush(previous === undefined ? firstAnchor : undefined);
  return result;
}

/**
 * Gives the moved items of a specification their new place, each with a `moved` revision naming
 * the item it followed before and follows now (null: the top), as a move through the API does.
 */
async function moveMatched(
  trx: Kysely<Database>,
  ctx: Context,
  current: { id: string; order_key: string }[],
  keys: Map<string, string>,
  moved: ReadonlySet<string>,
): Promise<void> {
  const moves = current.flatMap((c) => {
    const key = moved.has(c.id) ? keys.get(c.id) : undefined;
    return key === undefined ? [] : [{ id: c.id, order_key: key }];
  });
  if (moves.length === 0) return;
  // The item each follows, before and after: the specification's order with the new keys.
  const previous = (list: { id: string }[]) =>
    new Map(list.map((c, i) => [c.id, i > 0 ? (list[i - 1] as { id: string }).id : null]));
  const before = previous(current);
  const here = new Set(current.map((c) => c.id));
  const after = previous(
    [
      ...current.map((c) => ({ id: c.id, order_key: keys.get(c.id) ?? c.order_key })),
      ...[...keys].flatMap(([id, order_key]) => (here.has(id) ? [] : [{ id, order_key }])),
    ].sort((a, b) => (a.order_key < b.order_key ? -1 : 1)),
  );
  const rows = await moveItemRows(trx, moves, ctx.actor.userId);
  await insertRevisionRows(
    trx,
    rows.map((row) =>
      revisionRow(ctx.enc, row, 'moved', ctx.actor.userId, {
        after: { before: before.get(row.id) ?? null, after: after.get(row.id) ?? null },
      }),
    ),
  );
}

interface Counts {
  created: number;
  updated: number;
  unchanged: number;
}

/** Writes the matched items' changes: only what differs, each with a revision by the importer. */
async function updateMatched(
  trx: Kysely<Database>,
  ctx: Context,
  placed: Placed[],
  moved: ReadonlySet<string>,
  counts: Counts,
): Promise<{ titlesChanged: boolean; suspect: number }> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  const revisions: NewRevisionRow[] = [];
  const byFields = new Map<string, string[]>();
  let titlesChanged = false;
  for (const { plan, existing } of placed) {
    if (existing === null) continue;
    const body = enc.decrypt(existing.body_enc);
    const sameBody =
      body === plan.body || (plan.bodyFromXhtml && canonicalMarkdown(body) === plan.body);
    const before = attributesOf(enc, existing);
    const after = keptAttributes(plan.attributes ?? before, existing.key);
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    if (plan.title !== existing.title)
      changes.title = { before: existing.title, after: plan.title };
    if (!sameBody) changes.body = { before: body, after: plan.body };
    if (plan.status !== existing.status) {
      changes.status = { before: existing.status, after: plan.status };
    }
    if (!sameAttributes(before, after)) changes.attributes = { before, after };
    const fields = Object.keys(changes);
    if (fields.length === 0) {
      if (moved.has(existing.id)) counts.updated++;
      else counts.unchanged++;
      continue;
    }
    counts.updated++;
    const row = await updateImportedItem(
      trx,
      existing.id,
      {
        ...(changes.title ? { title: plan.title } : {}),
        ...(changes.body ? { body_enc: enc.encrypt(plan.body) } : {}),
        ...(changes.status ? { status: plan.status } : {}),
        ...(changes.attributes ? { attributes_enc: encryptAttributes(enc, after) } : {}),
      },
      actorId,
    );
    revisions.push(revisionRow(enc, row, 'updated', actorId, changes));
    if (changes.title) titlesChanged = true;
    const watched = fields
      .filter((f) => f !== 'attributes')
      .sort()
      .join(',');
    if (watched !== '') byFields.set(watched, [...(byFields.get(watched) ?? []), existing.id]);
    specificationChanged(ctx.effects, row.specification_id);
  }
  await insertRevisionRows(trx, revisions);
  let suspect = 0;
  for (const [fields, ids] of byFields) {
    suspect += await markLinksSuspect(trx, ids, fields.split(','));
  }
  return { titlesChanged, suspect };
}

function revisionRow(
  enc: Encryptor,
  item: Pick<ItemRow, 'id' | 'specification_id' | 'project_id' | 'version'>,
  action: NewRevisionRow['action'],
  actorId: string,
  changes: Record<string, { before: unknown; after: unknown }>,
): NewRevisionRow {
  return {
    id: uuidv7(),
    item_id: item.id,
    specification_id: item.specification_id,
    project_id: item.project_id,
    version: item.version,
    action,
    changed_by: actorId,
    changes_enc: enc.encrypt(JSON.stringify(changes)),
  };
}

/** Whether `from` reaches `to` along the edges (source -> targets). */
function reaches(edges: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  for (let at = stack.pop(); at !== undefined; at = stack.pop()) {
    if (at === to) return true;
    for (const next of edges.get(at) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

/** Creates the file's links that do not exist yet; each source item records them in its history. */
async function createLinks(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  plan: ImportPlan,
  types: Map<string, ImportedLinkType | undefined>,
  placed: Placed[],
  keyOf: Map<string, string>,
  warnings: string[],
): Promise<number> {
  if (plan.links.length === 0) return 0;
  const actorId = ctx.actor.userId;
  const byRef = new Map(placed.flatMap((p) => (p.plan.ref === null ? [] : [[p.plan.ref, p]])));
  const outside = plan.links
    .flatMap((l) => [l.source, l.target])
    .filter((e) => !byRef.has(e.ref ?? ''));
  const found = await findItemRefs(
    trx,
    projectId,
    outside.flatMap((e) => (e.id !== undefined && isUuid(e.id) ? [e.id] : [])),
    // By key only an end that names no id: an id names one item, a key may repeat elsewhere.
    outside.flatMap((e) =>
      e.key === undefined || e.id !== undefined ? [] : [e.key.toUpperCase()],
    ),
  );
  for (const f of found) keyOf.set(f.id, f.key);
  const resolve = (end: LinkEnd): string | undefined => {
    const inFile = end.ref === undefined ? undefined : byRef.get(end.ref);
    if (inFile) return inFile.id;
    if (end.id !== undefined) return found.find((f) => f.id === end.id)?.id;
    return found.find((f) => f.key === end.key?.toUpperCase())?.id;
  };
  const wanted: { source: string; target: string; type: LinkType; label: string }[] = [];
  for (const link of plan.links) {
    const source = resolve(link.source);
    const target = resolve(link.target);
    const found = types.get(link.type);
    if (source === undefined || target === undefined) {
      warnings.push(`${link.label}: an end of the link is not in the file or the project`);
    } else if (found === undefined) {
      warnings.push(
        `${link.label}: the project has no link type "${link.type}" (owners may add it, or import the file themselves)`,
      );
    } else if (source === target) {
      warnings.push(`${link.label}: an item cannot link to itself`);
    } else if (found.inverse) {
      // "REQ-1 verified by TEST-3" is "TEST-3 verifies REQ-1".
      wanted.push({ source: target, target: source, type: found.type, label: link.label });
    } else {
      wanted.push({ source, target, type: found.type, label: link.label });
    }
  }
  const existing = await linksFrom(trx, [...new Set(wanted.map((w) => w.source))]);
  const present = new Set(existing.map((l) => `${l.source_id} ${l.target_id} ${l.type}`));
  const graphs = new Map<string, Map<string, string[]>>();
  const rows: NewLinkRow[] = [];
  for (const w of wanted) {
    const id = `${w.source} ${w.target} ${w.type.key}`;
    if (present.has(id)) continue;
    if (w.type.hierarchical) {
      let graph = graphs.get(w.type.key);
      if (!graph) {
        graph = new Map();
        for (const e of await linkEdges(trx, projectId, w.type.key)) {
          graph.set(e.source_id, [...(graph.get(e.source_id) ?? []), e.target_id]);
        }
        graphs.set(w.type.key, graph);
      }
      if (reaches(graph, w.target, w.source)) {
        warnings.push(
          `${w.label}: a "${w.type.key}" link here would close a cycle; it is left out`,
        );
        continue;
      }
      graph.set(w.source, [...(graph.get(w.source) ?? []), w.target]);
    }
    present.add(id);
    rows.push({
      id: uuidv7(),
      project_id: projectId,
      type: w.type.key,
      source_id: w.source,
      target_id: w.target,
      created_by: actorId,
    });
  }
  if (rows.length === 0) return 0;
  const inserted = await insertLinkRows(trx, rows);
  if (inserted === false) {
    throw new ConflictError('An item a link names was deleted during the import; import again');
  }
  // As through the API: each new link moves its source to the next version with a revision.
  const bySource = new Map<string, NewLinkRow[]>();
  for (const row of rows) {
    bySource.set(row.source_id, [...(bySource.get(row.source_id) ?? []), row]);
  }
  const byCount = new Map<number, string[]>();
  for (const [id, links] of bySource) {
    byCount.set(links.length, [...(byCount.get(links.length) ?? []), id]);
  }
  const revisions: NewRevisionRow[] = [];
  for (const [count, ids] of byCount) {
    for (const item of await bumpItemVersions(trx, ids, actorId, count)) {
      (bySource.get(item.id) ?? []).forEach((l, i) => {
        const version = item.version - count + 1 + i;
        const target = keyOf.get(l.target_id) ?? null;
        const link = { id: l.id, type: l.type, target, targetId: l.target_id, suspect: false };
        revisions.push(
          revisionRow(ctx.enc, { ...item, version }, 'linked', actorId, {
            link: { before: null, after: link },
          }),
        );
      });
    }
  }
  await insertRevisionRows(trx, revisions);
  return inserted;
}

/**
 * Imports a file's plan into a project (editors and owners), all in the caller's transaction:
 * items matched by id, recorded name or key are updated where they differ; the rest are created
 * where the file puts them; then links. `into` gathers everything into one specification.
 * Locks, in every writer's order: the project, the link types, the specifications, the items.
 */
export async function importPlan(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  plan: ImportPlan,
  into: string | null,
): Promise<ImportResult> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  const project = await lockProjectOfUser(trx, projectId, actorId, 'editor');
  const warnings = [...plan.warnings];
  let specs = plan.specifications;
  let target: SpecificationRow | null = null;
  if (into !== null) {
    target = await specificationFor(trx, actorId, into, 'editor');
    if (target.project_id !== projectId) throw new NotFoundError('Specification');
    specs = [
      {
        ref: target.id,
        title: target.title,
        items: specs.flatMap((s) => s.items),
        onlyIfUsed: false,
      },
    ];
  }
  for (const item of specs.flatMap((s) => s.items)) {
    if (Buffer.byteLength(item.body, 'utf8') > MAX_BODY_BYTES) {
      throw new ImportInvalidError(`"${nameOf(item)}": the body is larger than 64 KiB`);
    }
  }
  // Only owners add link types (as through the API); an editor's file uses the project's.
  const types = await linkTypesForImport(
    trx,
    projectId,
    [...new Set(plan.links.map((l) => l.type))],
    project.role === 'owner',
  );
  // The target is held before anything else uses it: deleted meanwhile, it is a 404 here, not a
  // new specification of its name.
  if (target && !(await holdSpecification(trx, target.id))) {
    throw new NotFoundError('Specification');
  }
  for (const spec of specs) {
    if (spec.ref !== null && spec.ref.length > MAX_REF) {
      throw new ImportInvalidError(
        `specification "${spec.title}": its identifier is longer than ${MAX_REF} characters`,
      );
    }
  }
  const placed = await matchItems(trx, projectId, specs, warnings);

  // The file's specifications: matched by id or recorded name, else created.
  const refs = specs.flatMap((s) => (s.ref === null ? [] : [s.ref]));
  const matched = target ? [target] : await specificationsByRef(trx, projectId, refs);
  const specIds: (string | null)[] = [];
  const result = new Map<string, string>();
  const made = new Map<string, string>();
  for (const [index, spec] of specs.entries()) {
    const row = matched.find((m) => m.id === spec.ref || m.external_id === spec.ref);
    const used = placed.some((p) => p.spec === index && p.existing === null);
    const again = spec.ref === null ? undefined : made.get(spec.ref);
    // A file that names no specification (CSV) adds to the one its matched items are all in.
    const homes = new Set(
      placed.flatMap((p) => (p.spec === index && p.existing ? [p.existing.specification_id] : [])),
    );
    const home = spec.ref === null && homes.size === 1 ? [...homes][0] : undefined;
    if (row) {
      specIds.push(row.id);
      result.set(row.id, row.title);
    } else if (home !== undefined) {
      specIds.push(home);
    } else if (again !== undefined) {
      // A file that names two specifications alike gets one.
      specIds.push(again);
    } else if (used || !spec.onlyIfUsed) {
      const created = await createImportedSpecification(trx, ctx, projectId, {
        title: spec.title,
        externalId: spec.ref,
      });
      if (spec.ref !== null) made.set(spec.ref, created.id);
      specIds.push(created.id);
      result.set(created.id, created.title);
    } else specIds.push(null);
  }
  // Items matched elsewhere stay where they are; their specifications are named too.
  for (const p of placed) {
    const id = p.existing?.specification_id;
    if (id !== undefined && !result.has(id)) {
      result.set(id, (await specificationFor(trx, actorId, id, 'viewer')).title);
    }
  }
  for (const id of result.keys()) {
    if (!(await holdSpecification(trx, id))) throw new NotFoundError('Specification');
  }
  // The matched items, locked and read again: one may have changed or gone since it was matched.
  const locked = new Map(
    (
      await lockItems(
        trx,
        placed.flatMap((p) => (p.existing ? [p.existing.id] : [])),
      )
    ).map((r) => [r.id, r]),
  );
  for (const p of placed) {
    if (p.existing === null) continue;
    const row = locked.get(p.existing.id);
    if (!row) {
      throw new ConflictError(`${p.existing.key} was deleted during the import; import again`);
    }
    p.existing = row;
  }

  const moved = new Set<string>();
  for (const specificationId of new Set(specIds)) {
    if (specificationId === null) continue;
    // Only the items the file puts in this specification: one it lists elsewhere stays put.
    const planned = placed.filter((p) => specIds[p.spec] === specificationId);
    for (const id of movedItems(planned, specificationId)) moved.add(id);
  }
  const counts: Counts = { created: 0, updated: 0, unchanged: 0 };
  const { titlesChanged, suspect } = await updateMatched(trx, ctx, placed, moved, counts);

  // New items: numbers in file order, order keys where the file puts them.
  // Order keys for new and moved items, where the file puts them.
  const fresh = placed.filter((p) => p.existing === null);
  const orderKeys = new Map<string, string>();
  for (const specificationId of new Set(specIds)) {
    if (specificationId === null) continue;
    const inSpec = placed.filter((p) => specIds[p.spec] === specificationId);
    if (!inSpec.some((p) => p.existing === null || moved.has(p.id))) continue;
    const current = await orderOf(trx, specificationId);
    const keys = orderKeysFor(
      inSpec,
      specificationId,
      current.map((c) => c.order_key),
      moved,
    );
    for (const [id, key] of keys) orderKeys.set(id, key);
    await moveMatched(trx, ctx, current, keys, moved);
    specificationChanged(ctx.effects, specificationId);
  }
  let freshRows: NewItemRow[] = [];
  if (fresh.length > 0) {
    // The project is held locked for the import, so it is there.
    const { key: projectKey, number: first } = (await allocateItemNumber(
      trx,
      projectId,
      fresh.length,
    )) as { key: string; number: number };
    const takenRefs = new Set(
      placed.flatMap((p) => (p.existing?.external_id ? [p.existing.external_id] : [])),
    );
    const rows: NewItemRow[] = fresh.map((p, i) => {
      const key = `${projectKey}-${first + i}`;
      return {
        id: p.id,
        specification_id: specIds[p.spec] as string,
        project_id: projectId,
        key,
        order_key: orderKeys.get(p.id) as string,
        title: p.plan.title,
        body_enc: enc.encrypt(p.plan.body),
        status: p.plan.status,
        external_id: p.plan.ref !== null && !takenRefs.has(p.plan.ref) ? p.plan.ref : null,
        attributes_enc: encryptAttributes(enc, keptAttributes(p.plan.attributes ?? {}, key)),
        created_by: actorId,
        updated_by: actorId,
      };
    });
    await insertItemRows(trx, rows);
    freshRows = rows;
    await insertRevisionRows(
      trx,
      rows.map((row, i) => {
        const { title, body, status } = (fresh[i] as Placed).plan;
        return revisionRow(enc, { ...row, version: 1 }, 'created', actorId, {
          title: { before: null, after: title },
          body: { before: null, after: body },
          status: { before: null, after: status },
        });
      }),
    );
    counts.created = rows.length;
  }
  const keyOf = new Map(placed.flatMap((p) => (p.existing ? [[p.id, p.existing.key]] : [])));
  for (const row of freshRows) keyOf.set(row.id, row.key);
  const links = await createLinks(trx, ctx, projectId, plan, types, placed, keyOf, warnings);
  if (links > 0 || titlesChanged || suspect > 0) projectTraceChanged(ctx.effects, projectId);
  const specifications = [...result].map(([id, title]) => ({ id, title }));
  // One event for the import, not one per item: a file of thousands stays one line of activity.
  await recordActivity(trx, ctx, projectId, {
    type: 'specification.imported',
    targetType: 'specification',
    ...(specifications.length === 1 ? { targetId: (specifications[0] as { id: string }).id } : {}),
    details: { specifications, ...counts, links },
  });
  return { specifications, ...counts, links, warnings: capped(warnings) };
}
