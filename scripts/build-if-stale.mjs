// `npm start` runs this first: it builds (npm run build) only when the build is missing or older
// than what it is built from, so starting an unchanged checkout does not wait for the compiler.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const BUILT = 'dist/src/server.js';
const SOURCES = ['src', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** The newest modification time under a path (0 when it does not exist). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((entry) => newest(path.join(p, entry))));
}

if (!existsSync(BUILT) || Math.max(...SOURCES.map(newest)) > statSync(BUILT).mtimeMs) {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    stdio: 'inherit',
  });
}
