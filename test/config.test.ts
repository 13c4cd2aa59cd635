import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const secrets = {
  JWT_SECRET_KEY: 'config-test-jwt-secret-0123456789abcdef',
  ENCRYPTION_KEY: 'config-test-encryption-key-0123456789abcdef',
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
    ENCRYPTION_KEY: secrets.ENCRYPTION_KEY,
  });
  assert.deepEqual(short, ['JWT_SECRET_KEY is too short: at least 32 bytes']);
});

test('production refuses the example secrets, one key for both, and keys without variety, naming each', () => {
  const example = readFileSync('deploy/kubernetes/secret.example.yaml', 'utf8');
  const shipped = [...example.matchAll(/^\s*(JWT_SECRET_KEY|ENCRYPTION_KEY): '([^']*)'/gm)];
  assert.equal(shipped.length, 2);
  const fromExample = problemsOf({
    NODE_ENV: 'production',
    ...Object.fromEntries(shipped.map((m) => [m[1]!, m[2]!])),
  });
  assert.ok(
    fromExample.some((p) => /^JWT_SECRET_KEY is a placeholder/.test(p)),
    String(fromExample),
  );
  assert.ok(fromExample.some((p) => /^ENCRYPTION_KEY is a placeholder/.test(p)));
  assert.ok(fromExample.includes('ENCRYPTION_KEY must differ from JWT_SECRET_KEY'));

  const same = 'one-key-for-both-0123456789abcdefghijklmnop';
  assert.deepEqual(
    problemsOf({ NODE_ENV: 'production', JWT_SECRET_KEY: same, ENCRYPTION_KEY: same }),
    ['ENCRYPTION_KEY must differ from JWT_SECRET_KEY'],
  );
  const repeated = problemsOf({
    NODE_ENV: 'production',
    JWT_SECRET_KEY: 'a'.repeat(48),
    ENCRYPTION_KEY: 'abab'.repeat(12),
  });
  assert.equal(repeated.length, 2, String(repeated));
  for (const name of ['JWT_SECRET_KEY ', 'ENCRYPTION_KEY ']) {
    assert.ok(
      repeated.some((p) => p.startsWith(`${name}has too little variety`)),
      name,
    );
  }
  // A weak previous key is the one being rotated away from: a warning, so the rotation can run.
  const rotating = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/gilla',
    JWT_SECRET_KEY: secrets.JWT_SECRET_KEY,
    ENCRYPTION_KEY: secrets.ENCRYPTION_KEY,
    ENCRYPTION_KEY_PREVIOUS: shipped.find((m) => m[1] === 'ENCRYPTION_KEY')![2]!,
  });
  assert.ok(
    rotating.warnings.some((w) => w.startsWith('ENCRYPTION_KEY_PREVIOUS is a placeholder')),
    String(rotating.warnings),
  );
  // What `openssl rand -base64 48` and `-hex 32` give is accepted.
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/gilla',
    JWT_SECRET_KEY: 'q7Xk2v9PzL0mN4rT8wYbC1dF6gH3jK5sA0eR2tU7iO9pQ4zX6cV8bN1mL3kJ5hG',
    ENCRYPTION_KEY: '3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a',
  });
  assert.ok(config.secrets.jwt.length > 32);
});

test('several workers on the embedded database stop start-up, naming WEB_CONCURRENCY', () => {
  assert.deepEqual(problemsOf({ ...secrets, WEB_CONCURRENCY: '2' }), [
    'WEB_CONCURRENCY > 1 needs DATABASE_URL: the embedded database serves one process',
  ]);
  const config = loadConfig({
    ...secrets,
    WEB_CONCURRENCY: '2',
    DATABASE_URL: 'postgres://db/gilla',
  });
  assert.equal(config.workers, 2);
});

test('LOG_FORMAT: json or pretty; unset, JSON unless a person runs development at a terminal', () => {
  assert.equal(loadConfig({ ...secrets, NODE_ENV: 'test' }).log.pretty, false);
  assert.equal(loadConfig({ ...secrets, LOG_FORMAT: 'pretty' }).log.pretty, true);
  assert.equal(loadConfig({ ...secrets, LOG_FORMAT: 'json' }).log.pretty, false);
  // The suite's output is a pipe, not a terminal.
  assert.equal(
    loadConfig({ ...secrets, NODE_ENV: 'development', DATABASE_URL: 'memory://' }).log.pretty,
    Boolean(process.stdout.isTTY),
  );
  assert.deepEqual(problemsOf({ ...secrets, LOG_FORMAT: 'xml' }), [
    'LOG_FORMAT must be json or pretty (got "xml")',
  ]);
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
