import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { Encryptor } from '../../src/platform/crypto.js';
import { countStale, ENCRYPTED_COLUMNS, rotateKeys } from '../../src/platform/key-rotation.js';
import { setupTestEnv, TEST_SECRETS, testConfig } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);
const OLD = TEST_SECRETS.ENCRYPTION_KEY;
const NEW = 'rotated-encryption-key-0123456789abcdef-0123456789';

test('bodies, descriptions and revisions hold no plaintext in the database', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id, {
    description: 'PLAINTEXT-DESCRIPTION',
  });
  const item = await createItem(app, user, spec.id, { body: 'PLAINTEXT-BODY-ONE' });
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${item.id}`,
    headers: user.auth,
    payload: { body: 'PLAINTEXT-BODY-TWO' },
  });
  for (const table of ['items', 'specifications', 'item_revisions']) {
    const { rows } = await sql<{
      row: string;
    }>`select t::text as row from ${sql.table(table)} t`.execute(app.db);
    assert.ok(rows.length > 0, table);
    for (const { row } of rows) assert.doesNotMatch(row, /PLAINTEXT/, table);
  }
  const raw = await app.db
    .selectFrom('items')
    .select('body_enc')
    .where('id', '=', item.id)
    .executeTakeFirstOrThrow();
  assert.match(raw.body_enc, /^v1\.[0-9a-f]{8}\./);
  // Two encryptions of one text differ (a fresh IV each time).
  const enc = new Encryptor(OLD);
  assert.notEqual(enc.encrypt('same'), enc.encrypt('same'));
  assert.equal(enc.decrypt(raw.body_enc), 'PLAINTEXT-BODY-TWO');
  const got = await app.inject({ url: `/api/v1/items/${item.id}`, headers: user.auth });
  assert.equal(got.json<{ body: string }>().body, 'PLAINTEXT-BODY-TWO');
});

test('a value tampered with in the database is refused, not shown', () => {
  const enc = new Encryptor(OLD);
  const value = enc.encrypt('genuine');
  const parts = value.split('.');
  parts[4] = Buffer.from('forged!').toString('base64url');
  assert.throws(() => enc.decrypt(parts.join('.')), /failed authentication/);
  assert.throws(() => new Encryptor(NEW).decrypt(value), /not written with a configured key/);
});

test('key rotation re-encrypts in batches, resumes after an interruption, and the old key can go', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id, { description: 'described' });
  const items = [];
  for (let i = 0; i < 7; i++)
    items.push(await createItem(app, user, spec.id, { body: `body ${i}` }));
  const rotating = new Encryptor(NEW, OLD);
  const before = await countStale(app.db, rotating);
  assert.ok(before.items! >= 7 && before.item_revisions! >= 7 && before.specifications! >= 1);

  // Interrupted after its first batch of items.
  await assert.rejects(
    rotateKeys(app.db, rotating, {
      batchSize: 3,
      onProgress: (p) => {
        if (p.table === 'items' && p.done > 0) throw new Error('interrupted');
      },
    }),
    /interrupted/,
  );
  const midway = await countStale(app.db, rotating);
  assert.equal(midway.specifications, 0);
  assert.equal(midway.items, before.items! - 3);

  const progress: string[] = [];
  const { rotated } = await rotateKeys(app.db, rotating, {
    batchSize: 3,
    onProgress: (p) => progress.push(`${p.table} ${p.done}/${p.total}`),
  });
  const stale = Object.values(midway).reduce((sum, n) => sum + n, 0);
  assert.equal(rotated, stale);
  const none = Object.fromEntries(ENCRYPTED_COLUMNS.map(({ table }) => [table, 0]));
  assert.deepEqual(await countStale(app.db, rotating), none);
  assert.ok(progress.includes(`items ${midway.items}/${midway.items}`), progress.join(', '));

  // An app with only the new key reads everything.
  const rotated_app = await env.app({ ENCRYPTION_KEY: NEW });
  const got = await rotated_app.inject({
    url: `/api/v1/items/${items[6]!.id}`,
    headers: user.auth,
  });
  assert.equal(got.json<{ body: string }>().body, 'body 6');
  const revisions = await rotated_app.inject({
    url: `/api/v1/items/${items[0]!.id}/revisions`,
    headers: user.auth,
  });
  assert.equal(revisions.statusCode, 200);
});

test('gilla keys rotate: progress on stderr, a count on stdout, then only the new key is needed', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-rotate-'));
  const onDisk = { DATABASE_URL: undefined, DATA_DIR: dataDir, MIGRATE_ON_START: 'true' };
  const first = await buildApp(testConfig(onDisk));
  await first.ready();
  const owner = await createUser(first);
  const project = await createProject(first, owner);
  const spec = await createSpecification(first, owner, project.id, { description: 'd' });
  const item = await createItem(first, owner, spec.id, { body: 'kept across rotation' });
  await first.close();

  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [path.resolve('bin/gilla.js'), 'keys', 'rotate'], {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATA_DIR: dataDir,
          JWT_SECRET_KEY: TEST_SECRETS.JWT_SECRET_KEY,
          ENCRYPTION_KEY: NEW,
          ENCRYPTION_KEY_PREVIOUS: OLD,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
  assert.equal(result.code, 0, result.stderr);
  // The description, the body, the body's first revision and the owner's verification mail.
  assert.match(result.stdout, /^re-encrypted 4 values under key [0-9a-f]{8}\n$/);
  assert.match(result.stderr, /items +\[#{30}\] 1\/1 100%/);

  const second = await buildApp(testConfig({ ...onDisk, ENCRYPTION_KEY: NEW }));
  await second.ready();
  try {
    const got = await second.inject({ url: `/api/v1/items/${item.id}`, headers: owner.auth });
    assert.equal(got.statusCode, 200, got.body);
    assert.equal(got.json<{ body: string }>().body, 'kept across rotation');
  } finally {
    await second.close();
  }
});

test('every encrypted column of the schema is on the rotation list, and no other', async () => {
  const { rows } = await sql<{ name: string }>`
    select table_name || '.' || column_name as name from information_schema.columns
    where table_schema = current_schema() and column_name like '%\_enc'
    order by 1`.execute(app.db);
  const listed = ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort();
  assert.ok(rows.length >= 6, String(rows.length));
  assert.deepEqual(
    rows.map((r) => r.name),
    listed,
  );
});

test('after rotation the new key alone reads every encrypted value: refresh successors and mail too', async () => {
  const email = `rotate-${Date.now()}@example.com`;
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: 'a long enough passphrase 42' },
  });
  assert.equal(registered.statusCode, 201, registered.body);
  const { refreshToken } = registered.json<{ refreshToken: string }>();
  const refreshed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken },
  });
  assert.equal(refreshed.statusCode, 200, refreshed.body);
  const counts = await countStale(app.db, new Encryptor(NEW, OLD));
  assert.ok(counts.refresh_tokens! >= 1 && counts.mail_outbox! >= 1, JSON.stringify(counts));

  await rotateKeys(app.db, new Encryptor(NEW, OLD), { batchSize: 2 });
  const onlyNew = new Encryptor(NEW);
  for (const { table, column } of ENCRYPTED_COLUMNS) {
    const { rows } = await sql<{ value: string }>`
      select ${sql.ref(column)} as value from ${sql.table(table)}
      where ${sql.ref(column)} is not null`.execute(app.db);
    for (const { value } of rows) {
      assert.doesNotThrow(() => onlyNew.decrypt(value), `${table}.${column}`);
    }
  }
});

test('baselines are covered by rotation: after it, the new key alone reads a baseline, its export and its diff', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  await createItem(app, user, spec.id, { body: 'kept in a baseline' });
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: user.auth,
    payload: { name: 'before rotation', description: 'described' },
  });
  assert.equal(taken.statusCode, 201, taken.body);
  const baselineId = taken.json<{ id: string }>().id;
  const stale = await countStale(app.db, new Encryptor(NEW, OLD));
  assert.ok(stale.baselines! >= 1 && stale.baseline_items! >= 1, JSON.stringify(stale));

  await rotateKeys(app.db, new Encryptor(NEW, OLD), { batchSize: 2 });
  const rotatedApp = await env.app({ ENCRYPTION_KEY: NEW });
  const items = await rotatedApp.inject({
    url: `/api/v1/baselines/${baselineId}/items`,
    headers: user.auth,
  });
  assert.equal(items.json<{ data: { body: string }[] }>().data[0]?.body, 'kept in a baseline');
  const got = await rotatedApp.inject({
    url: `/api/v1/baselines/${baselineId}`,
    headers: user.auth,
  });
  assert.equal(got.json<{ description: string }>().description, 'described');
  const diff = await rotatedApp.inject({
    url: `/api/v1/specifications/${spec.id}/diff?from=${baselineId}`,
    headers: user.auth,
  });
  assert.equal(diff.statusCode, 200, diff.body);
  assert.equal(diff.json<{ summary: { changed: number } }>().summary.changed, 0);
});

test('attributes an import keeps are encrypted and covered by rotation', async () => {
  const project = await createProject(app, user);
  const imported = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/imports`,
    headers: { ...user.auth, 'content-type': 'text/csv' },
    payload: 'key,title,Supplier note\nX-1,Kept,PLAINTEXT-ATTRIBUTE\n',
  });
  assert.equal(imported.statusCode, 201, imported.body);
  const specId = imported.json<{ specifications: { id: string }[] }>().specifications[0]?.id;
  const { rows } = await sql<{ row: string }>`select t::text as row from items t`.execute(app.db);
  for (const { row } of rows) assert.doesNotMatch(row, /PLAINTEXT-ATTRIBUTE/);
  const stale = await countStale(app.db, new Encryptor(NEW, OLD));
  assert.ok(stale.items! >= 1, JSON.stringify(stale));

  await rotateKeys(app.db, new Encryptor(NEW, OLD), { batchSize: 2 });
  const rotatedApp = await env.app({ ENCRYPTION_KEY: NEW });
  const exported = await rotatedApp.inject({
    url: `/api/v1/specifications/${specId}/export?format=json`,
    headers: user.auth,
  });
  const file = exported.json<{ items: { attributes?: Record<string, string> }[] }>();
  assert.deepEqual(file.items[0]?.attributes, { 'Supplier note': 'PLAINTEXT-ATTRIBUTE' });
});
