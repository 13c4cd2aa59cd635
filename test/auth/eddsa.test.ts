import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { ConfigError, loadConfig } from '../../src/config.js';
import { setupTestEnv, TEST_SECRETS } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
// As it would sit in an environment file: one line with \n escapes.
const app = await env.app({ JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });

const me = (token: string) =>
  app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${token}` },
  });

test('with an Ed25519 key, tokens are EdDSA and verify against the published JWKS', async () => {
  const user = await createUser(app);
  const header = decodeProtectedHeader(user.accessToken);
  assert.equal(header.alg, 'EdDSA');
  assert.equal((await me(user.accessToken)).statusCode, 200);
  const res = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  assert.equal(res.statusCode, 200);
  const jwks = res.json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kid, header.kid);
  assert.equal(jwks.keys[0].d, undefined, 'no private part is published');
  // Another service verifies our token with nothing but the JWKS.
  const { payload } = await jwtVerify(user.accessToken, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA'],
  });
  assert.equal(payload.sub, user.id);
});

test('algorithm confusion is refused: HMAC with the public key, EdDSA with an HMAC kid, a foreign Ed25519 key', async () => {
  const user = await createUser(app);
  const claims = decodeJwt(user.accessToken);
  const { kid } = decodeProtectedHeader(user.accessToken);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const hmacWithPublic = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid })
    .sign(createSecretKey(Buffer.from(publicPem)));
  assert.equal((await me(hmacWithPublic)).statusCode, 401);
  const other = generateKeyPairSync('ed25519').privateKey;
  const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(other);
  assert.equal((await me(foreign)).statusCode, 401);
  const hmacKid = (await import('node:crypto'))
    .createHash('sha256')
    .update(TEST_SECRETS.JWT_SECRET_KEY)
    .digest('hex')
    .slice(0, 16);
  const edWithHmacKid = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: hmacKid })
    .sign(privateKey);
  assert.equal((await me(edWithHmacKid)).statusCode, 401);
});

test('HS256 tokens issued before switching to EdDSA still verify until they expire', async () => {
  const hsApp = await env.app();
  const user = await createUser(hsApp);
  assert.equal(decodeProtectedHeader(user.accessToken).alg, 'HS256');
  assert.deepEqual((await hsApp.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), {
    keys: [],
  });
  assert.equal((await me(user.accessToken)).statusCode, 200);
});

test('JWT_PRIVATE_KEY that is not an Ed25519 PKCS#8 PEM is a configuration error naming it', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  for (const value of ['not a key', rsa]) {
    assert.throws(
      () => loadConfig({ ...TEST_SECRETS, JWT_PRIVATE_KEY: value }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('JWT_PRIVATE_KEY')),
    );
  }
});
