import type { FastifyInstance } from 'fastify';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestUser } from '../helpers/factories.js';

/** `../shared/reqif/` beside the project (the samples are read from there, never copied). */
export const REQIF_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/reqif',
);

export const sample = (name: string) => readFileSync(path.join(REQIF_DIR, 'samples', name));

export interface ImportResult {
  specifications: { id: string; title: string }[];
  created: number;
  updated: number;
  unchanged: number;
  links: number;
  warnings: string[];
}

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

/** Whether xmllint (Debian's libxml2-utils) is here; tests that need it skip without it. */
export const xmllint = spawnSync('xmllint', ['--version']).status === 0;
export const NO_XMLLINT =
  'xmllint is not installed (apt-get install libxml2-utils); .ci/run installs it';

/** Validates XML against the OMG ReqIF 1.2 schema; answers xmllint's complaints ('' when valid). */
export function schemaErrors(xml: string): string {
  const result = spawnSync(
    'xmllint',
    ['--noout', '--nonet', '--schema', path.join(REQIF_DIR, 'schema', 'reqif.xsd'), '-'],
    { input: xml, encoding: 'utf8' },
  );
  return result.status === 0 ? '' : result.stderr;
}
