import { parse } from 'csv-parse/sync';
import { ImportInvalidError } from '../domain/errors.js';
import type { ImportPlan, PlannedItem } from './import-plan.js';
import { MAX_TITLE, statusOf } from './import-plan.js';

/*
 * CSV with a header row naming its columns: `title` (required), `key`, `body`, `status`, and
 * `id` (as Gilla's CSV export writes them); other columns are kept as attributes, except the
 * export's `version` and `updatedAt`. Items are matched by id, else by key.
 */

const IGNORED = new Set(['version', 'updatedat']);
const KNOWN = new Set(['key', 'title', 'body', 'status', 'id']);

// Gilla's CSV export quotes cells that a spreadsheet would run as formulas ('=1+1); undone here.
const FORMULA_GUARD = /^'(?=[=+\-@\t\r])/;

/** The import plan of a CSV file. */
export function csvPlan(source: string, title: string): ImportPlan {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record says on which line it ends (a quoted cell may span lines).
    rows = parse(source, {
      bom: true,
      relax_column_count: false,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof rows;
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    throw new ImportInvalidError(
      `line ${e.lines ?? '?'}: ${e.message ?? 'the CSV cannot be read'}`,
    );
  }
  const header = (rows[0]?.record ?? []).map((name) => name.trim());
  const column = (name: string) => header.findIndex((h) => h.toLowerCase() === name);
  if (column('title') < 0)
    throw new ImportInvalidError('line 1: the header row has no "title" column');
  const items = rows.slice(1).map(({ record: row, info }): PlannedItem => {
    const line = info.lines;
    const cell = (name: string) => {
      const at = column(name);
      return at < 0 ? '' : (row[at] ?? '').replace(FORMULA_GUARD, '');
    };
    const cleaned = cell('title').trim();
    if (cleaned === '' || [...cleaned].length > MAX_TITLE) {
      throw new ImportInvalidError(
        `line ${line}: the title must be 1–200 characters after trimming`,
      );
    }
    const statusText = cell('status');
    const status = statusText.trim() === '' ? 'draft' : statusOf(statusText);
    if (status === null) {
      throw new ImportInvalidError(`line ${line}: "${statusText}" is not a status`);
    }
    // As entries, so that any column name (even `__proto__`) is kept as it is.
    const attributes: [string, string][] = [];
    header.forEach((name, at) => {
      const lower = name.toLowerCase();
      if (!KNOWN.has(lower) && !IGNORED.has(lower) && name !== '' && (row[at] ?? '') !== '') {
        attributes.push([name, (row[at] ?? '').replace(FORMULA_GUARD, '')]);
      }
    });
    const key = cell('key').trim().toUpperCase() || null;
    const extra = header.some(
      (name) => !KNOWN.has(name.toLowerCase()) && !IGNORED.has(name.toLowerCase()) && name !== '',
    );
    return {
      ref: cell('id').trim() || key,
      key,
      title: cleaned,
      body: cell('body'),
      bodyFromXhtml: false,
      status,
      attributes: extra ? Object.fromEntries(attributes) : null,
    };
  });
  return {
    specifications: [{ ref: null, title, items, onlyIfUsed: true }],
    links: [],
    warnings: [],
  };
}
