import type { FastifyInstance } from 'fastify';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestUser } from '../helpers/factories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The ReqIF schema and real tools' files: `../shared/reqif/` beside the project (read from
 * there, never copied), else where GILLA_REQIF_DIR points, else the team machines' place. Null
 * when none is here: the tests that need them skip, saying so.
 */
export const REQIF_DIR =
  [process.env.GILLA_REQIF_DIR, path.resolve(ROOT, '../shared/reqif'), '/work/shared/reqif'].find(
    (dir) => dir !== undefined && existsSync(path.join(dir, 'schema', 'reqif.xsd')),
  ) ?? null;

export const NO_SAMPLES =
  'the ReqIF samples and schema are not here (../shared/reqif beside the project; or set GILLA_REQIF_DIR)';

export const sample = (name: string) => readFileSync(path.join(REQIF_DIR ?? '.', 'samples', name));

export type { ImportResult } from '../../src/imports/imports.service.js';

/** POSTs a file to a project's imports. */
export function importFile(
  app: FastifyInstance,
  user: TestUser,
  projectId: string,
  body: string | Buffer,
  contentType: string,
  query = '',
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/imports${query}`,
    headers: { ...user.auth, 'content-type': contentType },
    payload: body,
  });
}

export interface ListedItem {
  id: string;
  key: string;
  title: string;
  body: string;
  status: string;
  version: number;
}

/** Every item of a specification in document order. */
export async function allItems(
  app: FastifyInstance,
  user: TestUser,
  specificationId: string,
): Promise<ListedItem[]> {
  const items: ListedItem[] = [];
  let cursor: string | null = null;
  do {
    const res: { json: <T>() => T } = await app.inject({
      method: 'GET',
      url: `/api/v1/specifications/${specificationId}/items?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      headers: user.auth,
    });
    const page: { data: ListedItem[]; nextCursor: string | null } = res.json<{
      data: ListedItem[];
      nextCursor: string | null;
    }>();
    items.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Whether xmllint (Debian's libxml2-utils) and the schema are here; tests skip without them. */
export const xmllint = spawnSync('xmllint', ['--version']).status === 0 && REQIF_DIR !== null;
export const NO_XMLLINT = REQIF_DIR
  ? 'xmllint is not installed (apt-get install libxml2-utils); .ci/run installs it'
  : NO_SAMPLES;

/** Validates XML against the OMG ReqIF 1.2 schema; answers xmllint's complaints ('' when valid). */
export function schemaErrors(xml: string): string {
  const result = spawnSync(
    'xmllint',
    ['--noout', '--nonet', '--schema', path.join(REQIF_DIR ?? '.', 'schema', 'reqif.xsd'), '-'],
    { input: xml, encoding: 'utf8' },
  );
  return result.status === 0 ? '' : result.stderr;
}

/** A project's links as the titles of their ends, sorted by source title. */
export function linksByTitle(app: FastifyInstance, projectId: string) {
  return app.db
    .selectFrom('item_links as l')
    .innerJoin('items as s', 's.id', 'l.source_id')
    .innerJoin('items as t', 't.id', 'l.target_id')
    .select(['l.type', 's.title as source', 't.title as target'])
    .where('l.project_id', '=', projectId)
    .orderBy('s.title')
    .execute();
}
