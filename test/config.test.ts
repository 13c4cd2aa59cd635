import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const secrets = {
  JWT_SECRET_KEY: 'x'.repeat(32),
  ENCRYPTION_KEY: 'y'.repeat(32),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: port 5000, embedded database in ./data, limits from the contract', () => {
  const config = loadConfig({ ...secrets, NODE_ENV: 'test' });
  assert.equal(config.http.port, 5000);
  assert.equal(config.database.url, null);
  assert.equal(config.database.dataDir, path.resolve('data'));
  assert.equal(config.rateLimit.perHour, 1000);
  assert.equal(config.auth.rateLimitPerMinute, 30);
  assert.equal(config.http.bodyLimit, 1024 * 1024);
  assert.ok(Object.isFrozen(config));
});

test('every bad variable is named in one error', () => {
  const problems = problemsOf({
    ...secrets,
    PORT: 'eighty',
    DATABASE_URL: 'mysql://x',
    REDIS_URL: 'http://nope',
    LOG_LEVEL: 'loud',
    WEB_CONCURRENCY: '0',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'maybe',
    CORS_ORIGINS: 'not a url',
    SENTRY_DSN: 'sentry.example.com/1',
  });
  const text = problems.join('\n');
  for (const name of [
    'PORT',
    'DATABASE_URL',
    'REDIS_URL',
    'LOG_LEVEL',
    'WEB_CONCURRENCY',
    'AUTH_REQUIRE_EMAIL_VERIFICATION',
    'CORS_ORIGINS',
    'SENTRY_DSN',
  ]) {
    assert.match(text, new RegExp(name), `${name} should be named`);
  }
  assert.equal(problems.length, 8);
});

test('production refuses missing and short secrets, naming each', () => {
  const missing = problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/gilla' });
  assert.ok(missing.some((p) => p.startsWith('JWT_SECRET_KEY is required')));
  assert.ok(missing.some((p) => p.startsWith('ENCRYPTION_KEY is required')));
  const short = problemsOf({
    NODE_ENV: 'production',
    JWT_SECRET_KEY: 'short',
    ENCRYPTION_KEY: 'y'.repeat(32),
  });
  assert.deepEqual(short, ['JWT_SECRET_KEY is too short: at least 32 bytes']);
});

test('development generates secrets once, keeps them in DATA_DIR with mode 0600', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-config-'));
  const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir });
  const second = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir });
  assert.ok(first.secrets.jwt.length >= 32);
  assert.equal(first.secrets.jwt, second.secrets.jwt);
  assert.equal(first.secrets.encryption, second.secrets.encryption);
  assert.notEqual(first.secrets.jwt, first.secrets.encryption);
  const file = path.join(dataDir, 'secrets.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), /jwtSecretKey/);
  assert.match(first.warnings.join(), /development secrets kept in/);
});

test('OIDC_ISSUER must be https, except a loopback issuer outside production', () => {
  const base = { ...secrets, OIDC_CLIENT_ID: 'client' };
  assert.match(
    problemsOf({ ...base, OIDC_ISSUER: 'http://idp.example.com' }).join(),
    /OIDC_ISSUER must be https/,
  );
  assert.equal(
    loadConfig({ ...base, OIDC_ISSUER: 'http://127.0.0.1:4000' }).oauth.oidc?.issuer,
    'http://127.0.0.1:4000',
  );
  assert.match(
    problemsOf({
      ...base,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      OIDC_ISSUER: 'http://127.0.0.1:4000',
    }).join(),
    /OIDC_ISSUER must be https/,
  );
});

test('provider settings: secrets required, provider URLs https except loopback', () => {
  const problems = problemsOf({
    ...secrets,
    GOOGLE_CLIENT_ID: 'g',
    GITHUB_CLIENT_ID: 'h',
    GITHUB_URL: 'http://github.example.com',
    GOOGLE_ISSUER: 'http://accounts.example.com',
  }).join('\n');
  assert.match(problems, /GOOGLE_CLIENT_SECRET is required/);
  assert.match(problems, /GITHUB_CLIENT_SECRET is required/);
  assert.match(problems, /GITHUB_URL must be https/);
  assert.match(problems, /GOOGLE_ISSUER must be https/);
  const config = loadConfig({
    ...secrets,
    GOOGLE_CLIENT_IDS: 'web, android',
    GOOGLE_CLIENT_SECRET: 's',
    GITHUB_CLIENT_ID: 'h',
    GITHUB_CLIENT_SECRET: 's',
    GITHUB_URL: 'https://github.example.com/',
  });
  assert.deepEqual(config.oauth.google, {
    clientIds: ['web', 'android'],
    clientSecret: 's',
    issuer: 'https://accounts.google.com',
  });
  assert.equal(config.oauth.github?.webUrl, 'https://github.example.com');
  assert.equal(config.oauth.github?.apiUrl, 'https://api.github.com');
});
