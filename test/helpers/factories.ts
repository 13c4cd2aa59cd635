import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { updateUser } from '../../src/users/users.repository.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** `{ authorization: 'Bearer …' }` for inject. */
  auth: { authorization: string };
}

/** A unique e-mail address for this test run. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

/** Registers a user through the API (one line in a test). */
export async function createUser(
  app: FastifyInstance,
  options: { email?: string; password?: string; name?: string; admin?: boolean } = {},
): Promise<TestUser> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, ...(options.name ? { name: options.name } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ accessToken: string; refreshToken: string; user: { id: string } }>();
  if (options.admin) await updateUser(app.db, body.user.id, { role: 'admin' });
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { authorization: `Bearer ${body.accessToken}` },
  };
}

/** Signs in again, giving a second session. */
export async function login(app: FastifyInstance, user: { email: string; password: string }) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ accessToken: string; refreshToken: string }>();
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

interface Made {
  id: string;
  version: number;
}

async function made<T extends Made>(
  res: { statusCode: number; body: string; json: <U>() => U },
  what: string,
): Promise<T> {
  if (res.statusCode !== 201) throw new Error(`${what} failed: ${res.statusCode} ${res.body}`);
  return Promise.resolve(res.json<T>());
}

/** Creates a project owned by `owner` (one line in a test). */
export async function createProject(
  app: FastifyInstance,
  owner: TestUser,
  body: { name?: string; key?: string; description?: string } = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: owner.auth,
    payload: { name: body.name ?? 'Test project', ...body },
  });
  return made<Made & { key: string; name: string; role: string }>(res, 'create project');
}

/** Adds `member` to a project with a role. */
export async function addMember(
  app: FastifyInstance,
  owner: TestUser,
  projectId: string,
  member: TestUser,
  role: 'owner' | 'editor' | 'viewer',
): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/members`,
    headers: owner.auth,
    payload: { email: member.email, role },
  });
  if (res.statusCode !== 201) throw new Error(`add member failed: ${res.statusCode} ${res.body}`);
}

/** Creates a specification in a project. */
export async function createSpecification(
  app: FastifyInstance,
  user: TestUser,
  projectId: string,
  body: { title?: string; description?: string } = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/specifications`,
    headers: user.auth,
    payload: { title: body.title ?? 'Requirements', ...body },
  });
  return made<Made & { projectId: string; description: string | null }>(res, 'create spec');
}

/** Creates an item in a specification (at the end, or after `after`). */
export async function createItem(
  app: FastifyInstance,
  user: TestUser,
  specificationId: string,
  body: { title?: string; body?: string; status?: string; after?: string | null } = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${specificationId}/items`,
    headers: user.auth,
    payload: { title: body.title ?? 'An item', ...body },
  });
  return made<Made & { key: string; title: string; body: string; status: string }>(
    res,
    'create item',
  );
}

/** A link as the API shows it. */
export interface TestLink {
  id: string;
  type: string;
  source: { id: string; key: string };
  target: { id: string; key: string };
  suspect: boolean;
  suspectSince: string | null;
  version: number;
}

/** Links `sourceId --type--> targetId` (one line in a test). */
export async function createLink(
  app: FastifyInstance,
  user: TestUser,
  sourceId: string,
  targetId: string,
  type = 'verifies',
): Promise<TestLink> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${sourceId}/links`,
    headers: user.auth,
    payload: { targetId, type },
  });
  return made<TestLink>(res, 'create link');
}
