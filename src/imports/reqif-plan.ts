import type { ImportPlan, PlannedItem, PlannedLink, PlannedSpecification } from './import-plan.js';
import { MAX_TITLE, statusOf, titleFrom } from './import-plan.js';
import type { ReqifDocument, ReqifObject, ReqifValue } from './reqif-reader.js';

/*
 * What a ReqIF file means for Gilla. Every SPEC-OBJECT becomes exactly one item: in the
 * specification whose hierarchy reaches it first, in document order, or else in one more
 * specification for the objects no hierarchy reaches. Of each object's attributes:
 *
 * - the title is the first non-empty of ReqIF.Name, ReqIF.ChapterName, DOORS' Object Heading,
 *   DOORS' Object Text, ReqIF.Text (their first line), the first other string attribute, the
 *   object's LONG-NAME, its IDENTIFIER;
 * - the body is ReqIF.Text, else DOORS' Object Text (XHTML becomes Markdown);
 * - the status is an attribute named Status whose value names a Gilla status;
 * - ReqIF.ForeignID is the key to match an existing item by (and is kept, see below);
 * - every other value is kept under its attribute's name (enumerations by their labels, XHTML as
 *   Markdown), and so is a title that had to be shortened.
 *
 * A nested SPEC-HIERARCHY becomes a `parent` link from each child to its parent, so that the
 * outline survives; SPEC-RELATIONs become links of the type their SPEC-RELATION-TYPE names.
 */

const TITLE_NAMES = ['reqif.name', 'reqif.chaptername', 'object heading'];
const TEXT_NAMES = ['object text', 'reqif.text'];
const BODY_NAMES = ['reqif.text', 'object text'];
const STATUS_NAMES = ['status', 'reqif.status'];
const KEY_NAME = 'reqif.foreignid';
/** The SPEC-OBJECT-TYPE of Gilla's exports (documents/reqif-export.ts). */
const GILLA_ITEM_TYPE = 'gilla-item';

// Gilla writes its ids as `_<uuid>` (an XML ID cannot start with a digit).
const GILLA_ID = /^_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** How the plan names what the file calls `identifier`: a Gilla id without its underscore. */
const refOf = (identifier: string) => GILLA_ID.exec(identifier)?.[1] ?? identifier;

interface Named {
  name: string;
  value: ReqifValue;
}

function valueText(doc: ReqifDocument, value: ReqifValue): string {
  if (value.kind === 'xhtml') return value.markdown ?? '';
  if (value.kind === 'enumeration') {
    return value.text
      .split('\n')
      .filter((ref) => ref !== '')
      .map((ref) => doc.enumValues.get(ref) ?? ref)
      .join(', ');
  }
  return value.text;
}

/** A value's text without markup (titles are made from it). */
const plainText = (value: ReqifValue) => value.text;

// Gilla's export writes a kept attribute named like one of its own as `<name> (imported)`.
const RENAMED = /^(ReqIF\.ForeignID|ReqIF\.Name|ReqIF\.Text|Status) \(imported\)$/;

/** A title as the source has it when it fits (a string value: spaces kept), else its first line. */
function titleOf(value: ReqifValue): string {
  const trimmed = value.text.trim();
  if (value.kind === 'string' && trimmed !== '' && [...trimmed].length <= MAX_TITLE) return trimmed;
  return titleFrom(value.text);
}

function itemOf(doc: ReqifDocument, object: ReqifObject): PlannedItem {
  const named: Named[] = object.values.map((value) => ({
    name: doc.definitions.get(value.definition)?.longName ?? value.definition,
    value,
  }));
  const find = (names: string[]) => {
    for (const wanted of names) {
      const found = named.find(
        (n) => n.name.toLowerCase() === wanted && plainText(n.value).trim() !== '',
      );
      if (found) return found;
    }
    return undefined;
  };
  const used = new Set<Named>();
  // As entries, so that any name (even `__proto__`) is kept as it is.
  const attributes: [string, string][] = [];

  // A body may be all picture or rule, with no text: found by name alone.
  const bodySource = BODY_NAMES.map((wanted) =>
    named.find((n) => n.name.toLowerCase() === wanted),
  ).find((n) => n !== undefined);
  if (bodySource) used.add(bodySource);
  const body = bodySource ? valueText(doc, bodySource.value) : '';

  const titleSource =
    find(TITLE_NAMES) ??
    find(TEXT_NAMES) ??
    named.find(
      (n) =>
        n.value.kind === 'string' &&
        !n.name.toLowerCase().startsWith('reqif.foreign') &&
        n.value.text.trim() !== '',
    );
  let title = titleSource ? titleOf(titleSource.value) : '';
  if (titleSource && !BODY_NAMES.includes(titleSource.name.toLowerCase())) {
    used.add(titleSource);
    // A title cut to fit keeps its whole text among the attributes.
    if (title !== plainText(titleSource.value).trim()) {
      attributes.push([titleSource.name, valueText(doc, titleSource.value)]);
    }
  }
  if (title === '') {
    title = titleFrom(object.longName ?? '') || titleFrom(object.identifier) || 'Untitled';
  }

  let status: PlannedItem['status'] = 'draft';
  const statusSource = named.find(
    (n) => STATUS_NAMES.includes(n.name.toLowerCase()) && statusOf(valueText(doc, n.value)),
  );
  if (statusSource) {
    status = statusOf(valueText(doc, statusSource.value)) ?? 'draft';
    used.add(statusSource);
  }
  const keySource = named.find((n) => n.name.toLowerCase() === KEY_NAME);
  // In Gilla's own files the foreign id is the item's key, not something a person entered.
  if (keySource && object.type === GILLA_ITEM_TYPE) used.add(keySource);
  for (const n of named) {
    if (!used.has(n))
      attributes.push([RENAMED.exec(n.name)?.[1] ?? n.name, valueText(doc, n.value)]);
  }
  return {
    ref: refOf(object.identifier),
    key: keySource ? keySource.value.text.trim().toUpperCase() || null : null,
    title,
    body,
    bodyFromXhtml: bodySource?.value.kind === 'xhtml',
    status,
    // No other value: the file says nothing of kept attributes (a matched item keeps its own).
    attributes: attributes.length === 0 ? null : Object.fromEntries(attributes),
  };
}

/** The import plan of a ReqIF document. */
export function reqifPlan(doc: ReqifDocument): ImportPlan {
  const warnings: string[] = [];
  const items = new Map<string, PlannedItem>();
  for (const object of doc.objects) {
    if (items.has(object.identifier)) {
      warnings.push(`SPEC-OBJECT "${object.identifier}" appears twice; the first one is imported`);
      continue;
    }
    items.set(object.identifier, itemOf(doc, object));
  }
  const placed = new Set<string>();
  const links: PlannedLink[] = [];
  const specifications: PlannedSpecification[] = [];
  for (const spec of doc.specifications) {
    const title = titleFrom(spec.longName ?? '') || titleFrom(spec.identifier);
    const planned: PlannedSpecification = {
      ref: refOf(spec.identifier),
      title,
      items: [],
      onlyIfUsed: false,
    };
    for (const entry of spec.entries) {
      const item = items.get(entry.object);
      if (!item) {
        warnings.push(
          `SPECIFICATION "${title}" names SPEC-OBJECT "${entry.object}", which the file does not have`,
        );
        continue;
      }
      if (placed.has(entry.object)) {
        warnings.push(
          `SPEC-OBJECT "${entry.object}" appears more than once in the hierarchies; it is imported where it first appears`,
        );
        continue;
      }
      placed.add(entry.object);
      planned.items.push(item);
      if (entry.parent !== null && items.has(entry.parent)) {
        links.push({
          source: { ref: refOf(entry.object) },
          target: { ref: refOf(entry.parent) },
          type: 'parent',
          label: `hierarchy of "${title}": ${entry.object} under ${entry.parent}`,
        });
      }
    }
    specifications.push(planned);
  }
  const rest = [...items.entries()].filter(([id]) => !placed.has(id)).map(([, item]) => item);
  if (rest.length > 0) {
    const name = doc.title?.trim() || 'ReqIF import';
    specifications.push({
      ref: `${doc.headerIdentifier ?? name}#unplaced`,
      title: titleFrom(`${name}: objects outside any specification`),
      items: rest,
      onlyIfUsed: true,
    });
  }
  for (const relation of doc.relations) {
    const type = relation.type === null ? null : doc.relationTypes.get(relation.type);
    for (const end of [relation.source, relation.target]) {
      if (!items.has(end)) {
        warnings.push(
          `SPEC-RELATION "${relation.identifier}" names SPEC-OBJECT "${end}", which the file does not have`,
        );
      }
    }
    if (!items.has(relation.source) || !items.has(relation.target)) continue;
    links.push({
      source: { ref: refOf(relation.source) },
      target: { ref: refOf(relation.target) },
      type: type ?? 'relates_to',
      label: `SPEC-RELATION "${relation.identifier}"`,
    });
  }
  return { specifications, links, warnings };
}
