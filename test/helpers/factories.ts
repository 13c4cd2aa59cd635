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
