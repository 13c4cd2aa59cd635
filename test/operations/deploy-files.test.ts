import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { setupTestEnv } from '../helpers/app.js';

/*
 * The deploy files, checked without a cluster or a Docker engine: the Kubernetes manifests as
 * `kubectl apply -k deploy/kubernetes` would send them (the kustomization's resources with its
 * image rewrite), the compose file, and both against the Dockerfile and the gilla command.
 */

const K8S = 'deploy/kubernetes';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML is untyped
type Doc = Record<string, any>;

/** The Dockerfile's last stage: its instructions, JSON-form arguments parsed. */
function dockerfile() {
  const lines = readFileSync('Dockerfile', 'utf8').replace(/\\\n/g, ' ').split('\n');
  const stages = lines.map((l, i) => (/^FROM /.test(l) ? i : -1)).filter((i) => i >= 0);
  const last = lines.slice(stages.at(-1));
  const json = (instruction: string) => {
    const line = last.findLast((l) => l.startsWith(`${instruction} `));
    return line === undefined
      ? undefined
      : (JSON.parse(line.slice(instruction.length + 1)) as string[]);
  };
  const env = Object.fromEntries(
    last
      .filter((l) => l.startsWith('ENV '))
      .flatMap((l) => [...l.slice(4).matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
  );
  const healthcheck = last.find((l) => l.startsWith('HEALTHCHECK '));
  return {
    entrypoint: json('ENTRYPOINT'),
    cmd: json('CMD'),
    env,
    user: last
      .findLast((l) => l.startsWith('USER '))
      ?.slice(5)
      .trim(),
    healthcheck: healthcheck
      ? (JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[])
      : undefined,
    linksGilla: last.some((l) => /ln -s \/app\/bin\/gilla\.js \/usr\/local\/bin\/gilla/.test(l)),
  };
}

/** What `kubectl apply -k` would send: every resource, images rewritten; the example secret in for secret.yaml. */
function kustomized(): { docs: Doc[]; images: Doc[] } {
  const kustomization = parse(readFileSync(`${K8S}/kustomization.yaml`, 'utf8')) as Doc;
  const images = kustomization.images as Doc[];
  const docs = (kustomization.resources as string[]).flatMap((file) => {
    const source = file === 'secret.yaml' ? 'secret.example.yaml' : file;
    assert.ok(existsSync(`${K8S}/${source}`), `${file} is listed but missing`);
    return parseAllDocuments(readFileSync(`${K8S}/${source}`, 'utf8')).map((d) => d.toJS() as Doc);
  });
  for (const doc of docs) {
    for (const c of podSpec(doc)?.containers?.concat(podSpec(doc)?.initContainers ?? []) ?? []) {
      const rewrite = images.find((i) => i.name === c.image);
      assert.ok(rewrite, `${c.name}: image ${c.image} is not rewritten by kustomization.yaml`);
      c.image = `${rewrite.newName}:${rewrite.newTag}`;
    }
  }
  return { docs, images };
}

function podSpec(doc: Doc): Doc | undefined {
  return doc.kind === 'Deployment' || doc.kind === 'Job'
    ? (doc.spec.template.spec as Doc)
    : undefined;
}

/** The commands `gilla help` lists, each as its leading words ("serve", "migrate up", …). */
function gillaCommands(): string[] {
  const usage = execFileSync(process.execPath, [path.resolve('bin/gilla.js'), 'help'], {
    encoding: 'utf8',
  });
  return [...usage.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z|]+)?)/gm)].flatMap((m) => {
    const [command, sub] = m[1]!.split(' ');
    return sub ? sub.split('|').map((s) => `${command} ${s}`) : [command!];
  });
}

const commands = gillaCommands();
const docker = dockerfile();
const { docs } = kustomized();
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const [deployment] = byKind('Deployment');
const configMap = byKind('ConfigMap')[0]!;
const secret = byKind('Secret')[0]!;

test('the image runs gilla: its entrypoint is the command, its default is serve, its health check a command', () => {
  assert.ok(commands.includes('serve') && commands.includes('migrate up'), String(commands));
  assert.deepEqual(docker.entrypoint, ['gilla']);
  assert.deepEqual(docker.cmd, ['serve']);
  assert.ok(docker.linksGilla, 'gilla is on the PATH of the image');
  assert.deepEqual(docker.healthcheck, ['gilla', 'check-health']);
  assert.ok(commands.includes('check-health'));
});

test('every container of the manifests runs a gilla command, with the image kustomize sets', () => {
  assert.ok(deployment, 'a Deployment');
  const pod = podSpec(deployment)!;
  const containers = [...(pod.initContainers ?? []), ...pod.containers] as Doc[];
  assert.deepEqual(
    containers.map((c): unknown[] => [c.name, c.command, c.args]),
    [
      ['migrate', ['gilla'], ['migrate', 'up']],
      ['gilla', ['gilla'], ['serve']],
    ],
  );
  for (const c of containers) {
    assert.ok(commands.includes(c.args.join(' ')), `${c.name}: gilla ${c.args.join(' ')}`);
    assert.match(c.image, /^ghcr\.io\/.+:.+$/);
  }
  // No Job: a Job cannot be changed by `apply` on an upgrade.
  assert.deepEqual(byKind('Job'), []);
});

test('migrations run in each new pod against PostgreSQL directly; serving pods do not migrate', () => {
  const pod = podSpec(deployment!)!;
  const migrate = pod.initContainers[0] as Doc;
  const url = migrate.env.find((e: Doc) => e.name === 'DATABASE_URL');
  assert.equal(url.valueFrom.secretKeyRef.key, 'MIGRATION_DATABASE_URL');
  assert.ok(secret.stringData.MIGRATION_DATABASE_URL, 'the secret names MIGRATION_DATABASE_URL');
  assert.equal(configMap.data.MIGRATE_ON_START, 'false');
});

test('the pods run as the image user, read-only, with what the service writes mounted', () => {
  const pod = podSpec(deployment!)!;
  const [uid, gid] = docker.user!.split(':').map(Number);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, uid);
  assert.equal(pod.securityContext.runAsGroup, gid);
  for (const c of [...pod.initContainers, ...pod.containers] as Doc[]) {
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
    const mounts = (c.volumeMounts as Doc[]).map((m) => m.mountPath as string);
    assert.ok(mounts.includes('/tmp'), `${c.name} mounts /tmp`);
  }
  const serving = pod.containers[0] as Doc;
  assert.ok(
    (serving.volumeMounts as Doc[]).some((m) => m.mountPath === docker.env.DATA_DIR),
    'DATA_DIR is mounted',
  );
});

test("the probes and the port are the service's own, and answer", async () => {
  const serving = podSpec(deployment!)!.containers[0] as Doc;
  const http = (serving.ports as Doc[]).find((p) => p.name === 'http')!;
  assert.equal(String(http.containerPort), configMap.data.PORT);
  assert.equal(configMap.data.PORT, docker.env.PORT);
  const env = await setupTestEnv();
  const app = await env.app();
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const { path: url, port } = serving[probe].httpGet as Doc;
    assert.equal(port, 'http', probe);
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, `${probe} ${url}`);
  }
  const service = byKind('Service')[0]!;
  assert.ok((service.spec.ports as Doc[]).some((p) => p.targetPort === 'http'));
});

test('docker-compose.yml runs the image as built, with the services it names and a valid .env.example', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as Doc;
  const gilla = compose.services.gilla as Doc;
  // No command of its own: the image's entrypoint and CMD (gilla serve) and its HEALTHCHECK apply.
  assert.equal(gilla.command, undefined);
  assert.equal(gilla.entrypoint, undefined);
  assert.equal(gilla.healthcheck, undefined);
  assert.deepEqual(gilla.ports, [`${docker.env.PORT}:${docker.env.PORT}`]);
  for (const [name, url] of Object.entries({
    DATABASE_URL: gilla.environment.DATABASE_URL as string,
    REDIS_URL: gilla.environment.REDIS_URL as string,
  })) {
    const host = new URL(url).hostname;
    assert.ok(compose.services[host], `${name} points at the ${host} service`);
    assert.equal(gilla.depends_on[host].condition, 'service_healthy');
    assert.ok(compose.services[host].healthcheck, `${host} has a health check`);
  }
  assert.deepEqual(gilla.env_file, '.env');
  assert.ok(existsSync('.env.example'));
});

test('.env.example can be sourced by a shell, and starts in development as it stands', () => {
  const printed = execFileSync(
    'bash',
    ['-c', 'set -a; . ./.env.example; set +a; node -e "console.log(JSON.stringify(process.env))"'],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  const env = JSON.parse(printed) as Record<string, string>;
  assert.equal(env.MAIL_FROM, 'Gilla <no-reply@example.com>');
  assert.equal(env.NODE_ENV, undefined, 'development unless the reader says otherwise');
  // Empty values are unset values: the configuration loads with what the file gives.
  const config = loadConfig({ ...env, DATABASE_URL: 'memory://' });
  assert.equal(config.env, 'development');
  assert.equal(config.mail.from, 'Gilla <no-reply@example.com>');
});
