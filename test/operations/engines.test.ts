import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import semver from 'semver';

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
}

/** Every installed package's package.json, nested ones included. */
function installed(dir = 'node_modules'): Manifest[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry): Manifest[] => {
    if (entry.startsWith('.')) return [];
    const at = path.join(dir, entry);
    if (entry.startsWith('@')) return installed(at);
    const manifest = path.join(at, 'package.json');
    const own = existsSync(manifest)
      ? [JSON.parse(readFileSync(manifest, 'utf8')) as Manifest]
      : [];
    return [...own, ...installed(path.join(at, 'node_modules'))];
  });
}

test('the engines are true: every Node.js that package.json admits, every installed package admits', () => {
  const floor = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } })
    .engines.node;
  assert.equal(semver.minVersion(floor)!.version, '20.19.0');
  const packages = installed();
  assert.ok(packages.length > 100, String(packages.length));
  // Every Node.js the floor admits is one every package admits.
  const tooNew = packages
    .filter((p) => p.engines?.node && semver.validRange(p.engines.node))
    .filter((p) => !semver.subset(floor, p.engines!.node!))
    .map((p) => `${p.name}@${p.version} needs node ${p.engines!.node}`);
  assert.deepEqual(tooNew, []);
  // The image's Node.js (the newest of its major line) is one the floor admits.
  const image = /^FROM node:(\d+)/m.exec(readFileSync('Dockerfile', 'utf8'))![1]!;
  assert.ok(semver.intersects(`^${image}`, floor), image);
});
