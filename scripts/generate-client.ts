// Generates @gilla/client's types (packages/client/src/schema.ts) from the API document with
// openapi-typescript. `--check` (run by `npm run check`) writes nothing and fails when the
// checked-in file differs from what the current routes generate: a route changed without
// `npm run generate:client`.
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { format } from 'prettier';
import { apiDocument } from './api-document.js';

const TARGET = 'packages/client/src/schema.ts';
const HEADER =
  '// Generated from the Gilla API document by `npm run generate:client` (openapi-typescript).\n' +
  '// Do not edit: change the routes and generate again.\n';

const ast = await openapiTS(JSON.stringify(await apiDocument()), {
  exportType: true,
  // A parameter with a default (`limit`) may be left out.
  defaultNonNullable: false,
});
const generated = await format(HEADER + astToString(ast), {
  parser: 'typescript',
  singleQuote: true,
  printWidth: 100,
  trailingComma: 'all',
});

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== generated) {
    process.stderr.write(
      `${TARGET} is stale: the API document changed. Run \`npm run generate:client\` and commit it.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${TARGET} matches the API document\n`);
} else {
  writeFileSync(TARGET, generated);
  process.stdout.write(`wrote ${TARGET}\n`);
}
