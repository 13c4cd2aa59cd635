import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ImportInvalidError } from '../domain/errors.js';
import type { ImportPlan, PlannedItem, PlannedLink } from './import-plan.js';
import { MAX_TITLE, statusOf, titleFrom } from './import-plan.js';

/*
 * Gilla's own JSON export, of a specification (`{ specification, items }`) or of a baseline
 * (`{ baseline, items }`): each item with its id, key, title, body, status, kept attributes and
 * outgoing links (a link's target by id, else key).
 */

const LinkEnd = Type.Object({
  id: Type.Optional(Type.String()),
  key: Type.Optional(Type.String()),
});

const ExportFile = Type.Object({
  specification: Type.Optional(
    Type.Object({ id: Type.Optional(Type.String()), title: Type.String() }),
  ),
  baseline: Type.Optional(
    Type.Object({
      specificationId: Type.Optional(Type.String()),
      specificationTitle: Type.String(),
    }),
  ),
  items: Type.Array(
    Type.Object({
      id: Type.Optional(Type.String({ minLength: 1 })),
      key: Type.Optional(Type.String()),
      title: Type.String(),
      body: Type.Optional(Type.String()),
      status: Type.Optional(Type.String()),
      attributes: Type.Optional(Type.Record(Type.String(), Type.String())),
      links: Type.Optional(Type.Array(Type.Object({ type: Type.String(), target: LinkEnd }))),
    }),
  ),
});

const check = TypeCompiler.Compile(ExportFile);

function fail(path: string, message: string): never {
  throw new ImportInvalidError(`${path}: ${message}`);
}

/** The import plan of a Gilla JSON export (already parsed from JSON). */
export function jsonPlan(value: unknown): ImportPlan {
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    fail(
      first?.path.replace(/^\//, '').replace(/\//g, '.') || 'the file',
      first?.message ?? 'is not a Gilla JSON export',
    );
  }
  const file: Static<typeof ExportFile> = value;
  const spec = file.specification ?? null;
  const baseline = file.baseline ?? null;
  const title = spec?.title ?? baseline?.specificationTitle ?? 'Imported specification';
  const links: PlannedLink[] = [];
  const items = file.items.map((item, index): PlannedItem => {
    const where = `items.${index}`;
    const status = item.status === undefined ? 'draft' : statusOf(item.status);
    if (status === null) fail(`${where}.status`, `"${item.status}" is not a status`);
    const cleaned = item.title.trim();
    if (cleaned === '' || [...cleaned].length > MAX_TITLE) {
      fail(`${where}.title`, 'must be 1–200 characters after trimming');
    }
    const ref = item.id ?? item.key ?? null;
    for (const link of item.links ?? []) {
      if (ref === null) fail(`${where}.links`, 'an item with links needs an id or key');
      links.push({
        source: { ref },
        target: {
          ref: link.target.id ?? link.target.key,
          id: link.target.id,
          key: link.target.key,
        },
        type: link.type,
        label: `${item.key ?? ref} ${link.type} ${link.target.key ?? link.target.id ?? '?'}`,
      });
    }
    return {
      ref,
      key: item.key?.trim().toUpperCase() || null,
      title: cleaned,
      body: item.body ?? '',
      bodyFromXhtml: false,
      status,
      attributes: item.attributes ?? null,
    };
  });
  return {
    specifications: [
      {
        ref: spec?.id ?? baseline?.specificationId ?? null,
        title: titleFrom(title) || 'Imported specification',
        items,
        onlyIfUsed: false,
      },
    ],
    links,
    warnings: [],
  };
}
