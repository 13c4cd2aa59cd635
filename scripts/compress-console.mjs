// After `vite build`: a Brotli and a gzip copy beside each text asset of the console, which the
// service sends to browsers that accept them (@fastify/static `preCompressed`), so nothing is
// compressed per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = 'dist/console';
const TEXT = /\.(js|css|html|svg|json|map)$/;

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (TEXT.test(p)) yield p;
  }
}

for (const file of files(ROOT)) {
  const body = readFileSync(file);
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
}
