// Writes the API document as the service serves it at /api/openapi.json to the file named
// (`npm run lint:api` lints it with Redocly's recommended rules).
import { writeFileSync } from 'node:fs';
import { apiDocument } from './api-document.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node dist/scripts/openapi.js FILE\n');
  process.exit(2);
}
writeFileSync(out, `${JSON.stringify(await apiDocument(), null, 2)}\n`);
