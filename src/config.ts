import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { loadOrCreateDevSecrets } from './platform/dev-secrets.js';

/** Runtime environment the service believes it is in. */
export type NodeEnv = 'development' | 'production' | 'test';

export interface OAuthClientConfig {
  clientIds: string[];
  clientSecret: string | null;
}

export interface Config {
  env: NodeEnv;
  app: { name: string; version: string };
  http: {
    port: number;
    host: string;
    publicUrl: string;
    /** Where links in mails point (a front end); defaults to PUBLIC_URL. */
    appUrl: string;
    corsOrigins: string[];
    bodyLimit: number;
    /** Largest file `POST /projects/{id}/imports` takes. */
    importMaxBytes: number;
    trustProxy: boolean;
    shutdownTimeoutMs: number;
  };
  workers: number;
  database: {
    /** `null`: embedded PGlite. */
    url: string | null;
    /** `null`: PGlite in memory (tests). */
    dataDir: string | null;
    migrateOnStart: boolean;
    poolMax: number;
    timeoutMs: number;
    /** CA certificate(s) to verify the server with (`sslmode=verify-full`). */
    caFile: string | null;
  };
  redis: { url: string | null; keyPrefix: string; caFile: string | null };
  /** The embedded database's daily backups into DATA_DIR/backups. */
  backup: { schedule: boolean; retentionDays: number };
  /** How long audit events and project activity are kept (AUDIT_RETENTION_DAYS). */
  audit: { retentionDays: number };
  webhooks: {
    /** How long one delivery attempt may take (WEBHOOK_TIMEOUT_MS). */
    timeoutMs: number;
    /** How often an instance looks for due deliveries queued elsewhere (WEBHOOK_POLL_INTERVAL_MS). */
    pollIntervalMs: number;
    /** How many webhooks one instance sends to at once (WEBHOOK_CONCURRENCY). */
    concurrency: number;
    /** How long delivered and failed deliveries are kept (WEBHOOK_RETENTION_DAYS). */
    retentionDays: number;
  };
  /** HTTPS served by the service itself (TLS 1.3 only), re-read on SIGHUP. */
  tls: { certFile: string; keyFile: string } | null;
  secrets: {
    jwt: string;
    jwtPrevious: string | null;
    /** Ed25519 private key: tokens are signed EdDSA and the public key published as a JWKS. */
    jwtPrivateKey: KeyObject | null;
    encryption: string;
    encryptionPrevious: string | null;
  };
  auth: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    requireEmailVerification: boolean;
    rateLimitPerMinute: number;
  };
  rateLimit: { perHour: number };
  mail: { smtpUrl: string | null; from: string; outboxDir: string | null; pollIntervalMs: number };
  oauth: {
    /** Google, found by discovery at `issuer` (GOOGLE_ISSUER, for tests and Google-compatible issuers). */
    google: (OAuthClientConfig & { issuer: string }) | null;
    /** GitHub or GitHub Enterprise Server: its web address and its REST API. */
    github: (OAuthClientConfig & { webUrl: string; apiUrl: string }) | null;
    /** The generic issuer; `name` (OIDC_NAME) is what sign-in buttons show. */
    oidc: (OAuthClientConfig & { issuer: string; name: string }) | null;
    redirectAllowlist: string[];
  };
  /** `pretty`: readable lines (pino-pretty) for a person at a terminal; else JSON lines. */
  log: { level: string; pretty: boolean };
  /** Error reporting: unexpected errors go to Sentry when a DSN is set. */
  sentry: { dsn: string | null; environment: string };
  /** Warnings to log once the logger exists (e.g. a generated secret). */
  warnings: string[];
}

/** Thrown when the environment is invalid; lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_SECRET_BYTES = 32;
const PREVIOUS_SECRETS = ['JWT_SECRET_KEY_PREVIOUS', 'ENCRYPTION_KEY_PREVIOUS'] as const;
/** A random key of 32 bytes or more, in any usual encoding (hex has 16), has far more. */
const MIN_DISTINCT_CHARACTERS = 10;

/**
 * Why a secret long enough is still unusable, or null: a placeholder from the examples shipped
 * here (deploy/kubernetes/secret.example.yaml) or elsewhere, or too little variety to be random.
 */
function weakSecret(value: string): string | null {
  if (/change[-_ ]?me|replace[-_ ]?me|your[-_ ]?secret|placeholder/i.test(value)) {
    return 'is a placeholder from an example: generate one, e.g. `openssl rand -base64 48`';
  }
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    return `has too little variety to be random (fewer than ${MIN_DISTINCT_CHARACTERS} different characters): generate one, e.g. \`openssl rand -base64 48\``;
  }
  return null;
}

function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  str(name: string): string | null {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | null {
    const raw = this.str(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.join(' or ')}`);
      return null;
    }
  }

  list(name: string): string[] {
    return (this.str(name) ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }

  /** A file that must exist and be readable (its absolute path), or null when unset. */
  file(name: string): string | null {
    const raw = this.str(name);
    if (raw === null) return null;
    const absolute = path.resolve(raw);
    try {
      readFileSync(absolute);
      return absolute;
    } catch {
      this.problems.push(`${name} must name a readable file (got "${raw}")`);
      return null;
    }
  }
}

/** BACKUP_SCHEDULE: `daily` (the default) or `off`. */
function readBackupSchedule(r: Reader): boolean {
  const raw = r.str('BACKUP_SCHEDULE')?.toLowerCase() ?? 'daily';
  if (raw === 'daily') return true;
  if (raw === 'off') return false;
  r.problems.push(`BACKUP_SCHEDULE must be daily or off (got "${raw}")`);
  return true;
}

/** TLS_CERT_FILE and TLS_KEY_FILE: both (HTTPS) or neither (HTTP, e.g. behind a proxy). */
function readTls(r: Reader): Config['tls'] {
  const certFile = r.file('TLS_CERT_FILE');
  const keyFile = r.file('TLS_KEY_FILE');
  if ((r.str('TLS_CERT_FILE') === null) !== (r.str('TLS_KEY_FILE') === null)) {
    r.problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together: set both, or neither');
  }
  return certFile !== null && keyFile !== null ? { certFile, keyFile } : null;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function readOAuth(r: Reader, env: NodeEnv): Config['oauth'] {
  const client = (idsVar: string, idVar: string, secretVar: string): OAuthClientConfig | null => {
    const ids = [...r.list(idVar), ...r.list(idsVar)];
    return ids.length === 0
      ? null
      : { clientIds: [...new Set(ids)], clientSecret: r.str(secretVar) };
  };
  // Provider URLs must be https; plain http only for a loopback address outside production.
  const providerUrl = (name: string, fallback: string): string => {
    const raw = r.url(name, ['https:', 'http:']) ?? fallback;
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' && (env === 'production' || !isLoopbackHost(parsed.hostname))) {
      r.problems.push(`${name} must be https (http only for a loopback issuer outside production)`);
    }
    return raw;
  };
  const issuer = r.str('OIDC_ISSUER') === null ? null : providerUrl('OIDC_ISSUER', 'https://x');
  const oidcClient = client('OIDC_CLIENT_IDS', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET');
  if (issuer !== null && oidcClient === null) {
    r.problems.push('OIDC_CLIENT_ID is required when OIDC_ISSUER is set');
  }
  const google = client('GOOGLE_CLIENT_IDS', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET');
  const googleIssuer = providerUrl('GOOGLE_ISSUER', 'https://accounts.google.com');
  const github = client('GITHUB_CLIENT_IDS', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET');
  const githubUrl = providerUrl('GITHUB_URL', 'https://github.com').replace(/\/+$/, '');
  const githubApiUrl = providerUrl('GITHUB_API_URL', 'https://api.github.com').replace(/\/+$/, '');
  for (const [name, value] of [
    ['GOOGLE_CLIENT_SECRET', google],
    ['GITHUB_CLIENT_SECRET', github],
  ] as const) {
    if (value !== null && value.clientSecret === null) {
      r.problems.push(`${name} is required when its client id is set`);
    }
  }
  const redirectAllowlist = r.list('OAUTH_REDIRECT_ALLOWLIST');
  for (const entry of redirectAllowlist) {
    // App deep links (com.example.app:/callback) are fine; script and data URLs never are.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(entry)?.[1]?.toLowerCase();
    if (
      !URL.canParse(entry) ||
      scheme === 'javascript' ||
      scheme === 'data' ||
      scheme === 'vbscript'
    ) {
      r.problems.push(
        `OAUTH_REDIRECT_ALLOWLIST entry "${entry}" is not an absolute http(s) or app URL`,
      );
    }
  }
  return {
    google: google && { ...google, issuer: googleIssuer },
    github: github && { ...github, webUrl: githubUrl, apiUrl: githubApiUrl },
    oidc:
      issuer !== null && oidcClient !== null
        ? { ...oidcClient, issuer, name: r.str('OIDC_NAME') ?? 'OpenID Connect' }
        : null,
    redirectAllowlist,
  };
}

function readEd25519Key(r: Reader, name: string): KeyObject | null {
  const pem = r.str(name)?.replace(/\\n/g, '\n');
  if (pem === undefined) return null;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return key;
  } catch {
    // reported below
  }
  r.problems.push(`${name} must be an Ed25519 private key in PEM (PKCS#8)`);
  return null;
}

function readSecrets(
  r: Reader,
  env: NodeEnv,
  dataDir: string | null,
  warnings: string[],
): Config['secrets'] {
  const names = { jwt: 'JWT_SECRET_KEY', encryption: 'ENCRYPTION_KEY' } as const;
  const given = { jwt: r.str(names.jwt), encryption: r.str(names.encryption) };
  for (const key of ['jwt', 'encryption'] as const) {
    const value = given[key];
    if (value !== null && Buffer.byteLength(value) < MIN_SECRET_BYTES) {
      r.problems.push(`${names[key]} is too short: at least ${MIN_SECRET_BYTES} bytes`);
    } else if (value === null && env === 'production') {
      r.problems.push(
        `${names[key]} is required in production (at least ${MIN_SECRET_BYTES} bytes)`,
      );
    }
  }
  for (const name of PREVIOUS_SECRETS) {
    const value = r.str(name);
    if (value !== null && Buffer.byteLength(value) < MIN_SECRET_BYTES) {
      r.problems.push(`${name} is too short: at least ${MIN_SECRET_BYTES} bytes`);
    }
  }
  for (const name of [names.jwt, names.encryption, ...PREVIOUS_SECRETS]) {
    const value = r.str(name);
    if (value === null || Buffer.byteLength(value) < MIN_SECRET_BYTES) continue;
    const weakness = weakSecret(value);
    if (weakness === null) continue;
    // A weak previous key is the one being rotated away from: refusing it would block the way out.
    if (name.endsWith('_PREVIOUS')) warnings.push(`${name} ${weakness}; finish the rotation`);
    else r.problems.push(`${name} ${weakness}`);
  }
  if (given.jwt !== null && given.jwt === given.encryption) {
    r.problems.push(`${names.encryption} must differ from ${names.jwt}`);
  }
  let jwt = given.jwt ?? '';
  let encryption = given.encryption ?? '';
  if (env !== 'production' && (given.jwt === null || given.encryption === null)) {
    const generated = loadOrCreateDevSecrets(dataDir);
    if (given.jwt === null) jwt = generated.secrets.jwtSecretKey;
    if (given.encryption === null) encryption = generated.secrets.encryptionKey;
    warnings.push(
      generated.file === null
        ? 'JWT_SECRET_KEY/ENCRYPTION_KEY not set: using throw-away secrets for this in-memory run'
        : `JWT_SECRET_KEY/ENCRYPTION_KEY not set: using development secrets kept in ${generated.file}`,
    );
  }
  return {
    jwt,
    jwtPrevious: r.str('JWT_SECRET_KEY_PREVIOUS'),
    jwtPrivateKey: readEd25519Key(r, 'JWT_PRIVATE_KEY'),
    encryption,
    encryptionPrevious: r.str('ENCRYPTION_KEY_PREVIOUS'),
  };
}

/**
 * LOG_FORMAT: `json` or `pretty`. Unset, a person running it in development at a terminal gets
 * readable lines, and everything else (production, pipes, log collectors) JSON.
 */
function readLogFormat(r: Reader, env: NodeEnv): 'json' | 'pretty' {
  const format = r.str('LOG_FORMAT');
  if (format === 'json' || format === 'pretty') return format;
  if (format !== null) r.problems.push(`LOG_FORMAT must be json or pretty (got "${format}")`);
  return env === 'development' && process.stdout.isTTY ? 'pretty' : 'json';
}

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const r = new Reader(source);
  const warnings: string[] = [];
  const rawEnv = r.str('NODE_ENV') ?? 'development';
  let env: NodeEnv = 'development';
  if (rawEnv === 'production' || rawEnv === 'test' || rawEnv === 'development') env = rawEnv;
  else r.problems.push(`NODE_ENV must be development, production or test (got "${rawEnv}")`);

  const port = r.int('PORT', 5000, 0, 65535);
  const host = r.str('HOST') ?? '0.0.0.0';
  const publicUrl = (
    r.url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`
  ).replace(/\/+$/, '');
  const rawDatabaseUrl = r.str('DATABASE_URL');
  const memory = rawDatabaseUrl === 'memory://';
  const databaseUrl = memory ? null : r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const dataDir = memory ? null : path.resolve(r.str('DATA_DIR') ?? 'data');
  const level = r.str('LOG_LEVEL') ?? (env === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(level)) {
    r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  }
  const corsOrigins = r.list('CORS_ORIGINS');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) {
      r.problems.push(
        `CORS_ORIGINS entry "${origin}" must be an origin like https://app.example.com`,
      );
    }
  }
  const oauth = readOAuth(r, env);
  const workers = r.int('WEB_CONCURRENCY', 1, 1, 64);
  if (workers > 1 && databaseUrl === null && !memory) {
    r.problems.push(
      'WEB_CONCURRENCY > 1 needs DATABASE_URL: the embedded database serves one process',
    );
  }
  const config: Config = {
    env,
    app: { name: r.str('APP_NAME') ?? 'Gilla', version: packageVersion() },
    http: {
      port,
      host,
      publicUrl,
      appUrl: (r.url('APP_URL', ['http:', 'https:']) ?? publicUrl).replace(/\/+$/, ''),
      corsOrigins,
      bodyLimit: r.int('BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
      // At most 256 MiB: a file is read into one string, and V8's strings end near 512 MiB.
      importMaxBytes: r.int('IMPORT_MAX_BYTES', 20 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      trustProxy: r.bool('TRUST_PROXY', false),
      shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    },
    workers,
    database: {
      url: databaseUrl,
      dataDir,
      migrateOnStart: r.bool('MIGRATE_ON_START', true),
      poolMax: r.int('DATABASE_POOL_MAX', 10, 1, 1000),
      timeoutMs: r.int('DATABASE_TIMEOUT_MS', 5000, 100, 600_000),
      caFile: r.file('DATABASE_CA_FILE'),
    },
    redis: {
      url: r.url('REDIS_URL', ['redis:', 'rediss:']),
      keyPrefix: r.str('REDIS_KEY_PREFIX') ?? 'gilla:',
      caFile: r.file('REDIS_CA_FILE'),
    },
    backup: {
      schedule: readBackupSchedule(r),
      retentionDays: r.int('BACKUP_RETENTION_DAYS', 7, 1, 3650),
    },
    audit: { retentionDays: r.int('AUDIT_RETENTION_DAYS', 365, 1, 36_500) },
    webhooks: {
      timeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      pollIntervalMs: r.int('WEBHOOK_POLL_INTERVAL_MS', 1000, 50, 3_600_000),
      concurrency: r.int('WEBHOOK_CONCURRENCY', 8, 1, 256),
      retentionDays: r.int('WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    },
    tls: readTls(r),
    secrets: readSecrets(r, env, dataDir, warnings),
    auth: {
      accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
      refreshTokenTtlSeconds: r.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
      requireEmailVerification: r.bool('AUTH_REQUIRE_EMAIL_VERIFICATION', false),
      rateLimitPerMinute: r.int('AUTH_RATE_LIMIT_PER_MINUTE', 30, 1, 1_000_000),
    },
    rateLimit: { perHour: r.int('RATE_LIMIT_PER_HOUR', 1000, 1, 100_000_000) },
    mail: {
      smtpUrl: r.url('SMTP_URL', ['smtp:', 'smtps:']),
      from: r.str('MAIL_FROM') ?? 'Gilla <no-reply@localhost>',
      outboxDir: dataDir === null ? null : path.join(dataDir, 'outbox'),
      pollIntervalMs: r.int('MAIL_POLL_INTERVAL_MS', 10_000, 100, 3_600_000),
    },
    oauth,
    log: { level, pretty: readLogFormat(r, env) === 'pretty' },
    sentry: {
      dsn: r.url('SENTRY_DSN', ['https:', 'http:']),
      environment: r.str('SENTRY_ENVIRONMENT') ?? env,
    },
    warnings,
  };
  if (config.redis.caFile !== null && !config.redis.url?.startsWith('rediss:')) {
    r.problems.push('REDIS_CA_FILE needs a rediss:// REDIS_URL (Redis over TLS)');
  }
  if (config.database.caFile !== null && config.database.url === null) {
    r.problems.push('DATABASE_CA_FILE needs a DATABASE_URL (the embedded database has no TLS)');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}
