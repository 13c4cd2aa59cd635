import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConflictError, LinkCycleError, NotFoundError } from '../domain/errors.js';
import { cleanTitle } from '../domain/text-fields.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import {
  countLinksOfType,
  countLinkTypes,
  deleteLinkTypeRow,
  findLinkType,
  insertLinkTypes,
  linkEdgesOfType,
  listLinkTypeRows,
  serializeWriters,
  upsertLinkType,
  type LinkTypeValues,
} from './link-types.repository.js';
import type { LinkTypeRow, SuspectField } from './link-types.table.js';
import { assertRole, requireRole } from './project-access.js';
import { holdProjectRole } from './projects.repository.js';

/** A link type as the API shows it. */
export interface LinkType {
  key: string;
  name: string;
  inverseName: string;
  hierarchical: boolean;
  suspectFields: SuspectField[];
}

export interface LinkTypeInput {
  name: string;
  inverseName: string;
  hierarchical?: boolean | undefined;
  suspectFields?: SuspectField[] | undefined;
}

const SUSPECT_DEFAULT: SuspectField[] = ['title', 'body'];

/** What every project starts with; `source <name> target`, e.g. "TEST-3 verifies REQ-1". */
export const DEFAULT_LINK_TYPES: readonly LinkTypeValues[] = [
  ['parent', 'child of', 'parent of', true],
  ['verifies', 'verifies', 'verified by', false],
  ['implements', 'implements', 'implemented by', false],
  ['refines', 'refines', 'refined by', false],
  ['depends_on', 'depends on', 'needed by', false],
  ['relates_to', 'relates to', 'relates to', false],
].map(([key, name, inverse, hierarchical]) => ({
  key: key as string,
  name: name as string,
  inverse_name: inverse as string,
  hierarchical: hierarchical as boolean,
  suspect_fields: SUSPECT_DEFAULT,
}));

/** A project may define this many link types. */
const MAX_LINK_TYPES = 50;

function toLinkType(row: LinkTypeRow): LinkType {
  return {
    key: row.key,
    name: row.name,
    inverseName: row.inverse_name,
    hierarchical: row.hierarchical,
    suspectFields: row.suspect_fields,
  };
}

/** Gives a new project the default link types; run in the transaction that creates it. */
export async function seedLinkTypes(trx: Kysely<Database>, projectId: string): Promise<void> {
  await insertLinkTypes(trx, projectId, DEFAULT_LINK_TYPES);
}

export async function listLinkTypes(
  db: Kysely<Database>,
  { actor }: Context,
  projectId: string,
): Promise<LinkType[]> {
  await requireRole(db, projectId, actor.userId, 'viewer');
  return (await listLinkTypeRows(db, projectId)).map(toLinkType);
}

/** Whether the links (source → target) contain a cycle (Kahn's algorithm: what never drains). */
function hasCycle(edges: { source_id: string; target_id: string }[]): boolean {
  const outgoing = new Map<string, string[]>();
  const indegree = new Map<string, number>();
  for (const { source_id: s, target_id: t } of edges) {
    const next = outgoing.get(s);
    if (next) next.push(t);
    else outgoing.set(s, [t]);
    indegree.set(t, (indegree.get(t) ?? 0) + 1);
    if (!indegree.has(s)) indegree.set(s, 0);
  }
  const ready = [...indegree].filter(([, n]) => n === 0).map(([id]) => id);
  let drained = 0;
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    drained++;
    for (const next of outgoing.get(id) ?? []) {
      const n = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, n);
      if (n === 0) ready.push(next);
    }
  }
  return drained < indegree.size;
}

/**
 * Creates or changes a link type (owners). Fields left out keep their value (a new type: not
 * hierarchical, suspect on title and body). Making a type hierarchical is refused (409
 * `link_cycle`) while its links form a cycle; its row lock keeps new links out meanwhile.
 */
export async function putLinkType(
  trx: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  key: string,
  input: LinkTypeInput,
): Promise<LinkType> {
  const name = cleanTitle(input.name, 'name', 100);
  const inverseName = cleanTitle(input.inverseName, 'inverseName', 100);
  // The project is held first (every link writer's order), so it cannot go while this writes.
  assertRole(await holdProjectRole(trx, projectId, actor.userId), 'owner');
  const current = await findLinkType(trx, projectId, key, 'update');
  if (!current && (await countLinkTypes(trx, projectId)) >= MAX_LINK_TYPES) {
    throw new ConflictError(`A project may have at most ${MAX_LINK_TYPES} link types`);
  }
  const hierarchical = input.hierarchical ?? current?.hierarchical ?? false;
  if (
    current &&
    hierarchical &&
    !current.hierarchical &&
    hasCycle(await linkEdgesOfType(trx, projectId, key))
  ) {
    throw new LinkCycleError(
      `The "${key}" links form a cycle; remove it before making the type hierarchical`,
    );
  }
  const row = await upsertLinkType(trx, projectId, {
    key,
    name,
    inverse_name: inverseName,
    hierarchical,
    // The body schema lets no field twice.
    suspect_fields: input.suspectFields ?? current?.suspect_fields ?? SUSPECT_DEFAULT,
  });
  return toLinkType(row);
}

/** Removes a link type no link uses (owners); one in use is a 409. */
export async function deleteLinkType(
  trx: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  key: string,
): Promise<void> {
  assertRole(await holdProjectRole(trx, projectId, actor.userId), 'owner');
  if (!(await findLinkType(trx, projectId, key, 'update'))) throw new NotFoundError('Link type');
  const used = await countLinksOfType(trx, projectId, key);
  if (used > 0) {
    throw new ConflictError(`${used} link(s) use this type; delete them first`);
  }
  await deleteLinkTypeRow(trx, projectId, key);
}

/**
 * A link type for a writer of links, held as read until the commit (its row lock, shared by
 * writers, so that a change of the type waits for them). Writers of a hierarchical type also run
 * one at a time, so that each one's cycle check sees every link committed before it. Undefined
 * when the project has no such type.
 */
export async function lockLinkType(
  trx: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<LinkType | undefined> {
  const row = await findLinkType(trx, projectId, key, 'share');
  if (row?.hierarchical) await serializeWriters(trx, projectId, key);
  return row && toLinkType(row);
}

/** A project's link types by key, for readers that show links (no access check: the caller's). */
export async function linkTypesOf(
  db: Kysely<Database>,
  projectId: string,
): Promise<Map<string, LinkType>> {
  const rows = await listLinkTypeRows(db, projectId);
  return new Map(rows.map((r) => [r.key, toLinkType(r)]));
}

/**
 * A link type key from a name a file gives it: `Satisfied by` -> `satisfied_by`; a name with no
 * Latin letters (`検証`) gets a key of its own from its hash.
 */
function keyFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 32)
    .replace(/_+$/, '');
  if (slug.length >= 2) return slug;
  return `type_${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

/** A link type as an import uses it; `inverse`: the file names its other direction. */
export interface ImportedLinkType {
  type: LinkType;
  inverse: boolean;
}

/**
 * The link types an import names, each held as a link writer holds it: by key or name (any
 * case), or by inverse name (`verified by`: the link goes the other way). A name the project
 * lacks becomes a new type (not hierarchical, suspect on title and body) when `mayCreate` (the
 * importer is an owner, as PUT link-types needs) and the project has room; else it is undefined.
 */
export async function linkTypesForImport(
  trx: Kysely<Database>,
  projectId: string,
  names: readonly string[],
  mayCreate: boolean,
): Promise<Map<string, ImportedLinkType | undefined>> {
  const known = (await listLinkTypeRows(trx, projectId)).map(toLinkType);
  const found = new Map<string, ImportedLinkType | undefined>();
  for (const name of new Set(names)) {
    const lower = name.trim().toLowerCase();
    const key = keyFromName(name);
    let inverse = false;
    let type = known.find((t) => t.key === lower || t.name.toLowerCase() === lower);
    if (!type) {
      type = known.find((t) => t.inverseName.toLowerCase() === lower && t.name !== t.inverseName);
      inverse = type !== undefined;
    }
    type ??= known.find((t) => t.key === key);
    if (!type && mayCreate && known.length < MAX_LINK_TYPES) {
      const label = cleanTitle([...(name.trim() || key)].slice(0, 100).join(''), 'name', 100);
      type = toLinkType(
        await upsertLinkType(trx, projectId, {
          key,
          name: label,
          inverse_name: label,
          hierarchical: false,
          suspect_fields: SUSPECT_DEFAULT,
        }),
      );
      known.push(type);
    }
    const held = type && (await lockLinkType(trx, projectId, type.key));
    found.set(name, held && { type: held, inverse });
  }
  return found;
}

/** Every link of a type as (source, target), for a writer that checks cycles itself (imports). */
export function linkEdges(
  db: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<{ source_id: string; target_id: string }[]> {
  return linkEdgesOfType(db, projectId, key);
}
