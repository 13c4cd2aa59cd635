import type { ItemStatus } from '../items/items.table.js';

/*
 * What a file asks for, whatever its format: specifications of items in document order, and
 * links. Readers of ReqIF, JSON and CSV each make one; the import service then matches it
 * against the project and writes it in one transaction.
 */

export interface PlannedItem {
  /** How the file names the item: a ReqIF IDENTIFIER, a JSON export's id, a CSV key. */
  ref: string | null;
  /** A key to match an existing item by (`AUTH-12`), when the file has one. */
  key: string | null;
  title: string;
  body: string;
  /** The body came from XHTML: compare it with an item's body in canonical Markdown. */
  bodyFromXhtml: boolean;
  status: ItemStatus;
  /**
   * Fields Gilla has no place for, by name (kept, and exported again); null when the file says
   * nothing about them (a matched item keeps its own).
   */
  attributes: Record<string, string> | null;
}

export interface PlannedSpecification {
  /** How the file names it (ReqIF IDENTIFIER, JSON export's id); null: no name to match by. */
  ref: string | null;
  title: string;
  items: PlannedItem[];
  /** Created only when it receives an item (the one for objects no hierarchy reaches). */
  onlyIfUsed: boolean;
}

/** An end of a link: an item of the file (`ref`), or an item of the project by id or key. */
export interface LinkEnd {
  ref?: string | undefined;
  id?: string | undefined;
  key?: string | undefined;
}

export interface PlannedLink {
  source: LinkEnd;
  target: LinkEnd;
  /** The type as the file names it: a link type's key or name. */
  type: string;
  /** How a warning names the link. */
  label: string;
}

export interface ImportPlan {
  specifications: PlannedSpecification[];
  links: PlannedLink[];
  warnings: string[];
}

const STATUSES = new Set<ItemStatus>(['draft', 'in_review', 'approved', 'obsolete']);

/** `In Review`, `in-review`, `APPROVED` -> a Gilla status; null when it names none. */
export function statusOf(value: string): ItemStatus | null {
  const normal = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_') as ItemStatus;
  return STATUSES.has(normal) ? normal : null;
}

/** Gilla's title limit. */
export const MAX_TITLE = 200;

/** A title from any text: its first non-empty line, cut to Gilla's limit. */
export function titleFrom(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .find((l) => l !== '') ?? '';
  const chars = [...line];
  return chars.length > MAX_TITLE ? `${chars.slice(0, MAX_TITLE - 1).join('')}…` : line;
}
