import type { ItemStatus } from '../items/items.table.js';
import type { LinkType } from '../projects/link-types.service.js';
import { markdownToXhtml } from './markdown-xhtml.js';
import { escapeXml, escapeXmlAttribute } from './xml-text.js';

/*
 * ReqIF 1.2 as a stream: one SPECIFICATION whose SPEC-HIERARCHY lists the items in document
 * order (nested where `parent` links make an outline), a SPEC-OBJECT per item (key as ReqIF.ForeignID, title as ReqIF.Name, body as XHTML in
 * ReqIF.Text, status as an enumeration, and each attribute an import kept as a string), and a
 * SPEC-RELATION per outgoing link whose target is in the file, typed by the link type's name.
 *
 * IDENTIFIERs are XML IDs, which cannot start with a digit, so every Gilla id is written with a
 * leading underscore (`_0193…`); an import strips it again.
 */

export interface ReqifItem {
  id: string;
  key: string;
  title: string;
  body: string;
  status: ItemStatus;
  updatedAt: Date;
  attributes: Record<string, string> | null;
  links: { type: string; targetId: string }[];
}

export interface ReqifSource {
  /** The specification's id and title. */
  id: string;
  title: string;
  lastChange: Date;
  /** Names of the attributes its items keep. */
  attributeNames: string[];
  linkTypes: LinkType[];
  tool: string;
}

const STATUSES: ItemStatus[] = ['draft', 'in_review', 'approved', 'obsolete'];
const OWN_ATTRIBUTES = new Set(['ReqIF.ForeignID', 'ReqIF.Name', 'ReqIF.Text', 'Status']);

/** An IDENTIFIER for a Gilla id. */
export const reqifId = (id: string) => `_${id}`;

const attr = (name: string, value: string) => ` ${name}="${escapeXmlAttribute(value)}"`;

function datatypes(changed: string): string {
  const values = STATUSES.map(
    (status, index) =>
      `<ENUM-VALUE${attr('IDENTIFIER', `gilla-status-${status}`)}${attr('LAST-CHANGE', changed)}${attr('LONG-NAME', status)}>` +
      `<PROPERTIES><EMBEDDED-VALUE KEY="${index}" OTHER-CONTENT="${status}"/></PROPERTIES></ENUM-VALUE>`,
  ).join('');
  return (
    '<DATATYPES>' +
    `<DATATYPE-DEFINITION-STRING IDENTIFIER="gilla-string" LAST-CHANGE="${changed}" LONG-NAME="Text" MAX-LENGTH="1048576"/>` +
    `<DATATYPE-DEFINITION-XHTML IDENTIFIER="gilla-xhtml" LAST-CHANGE="${changed}" LONG-NAME="Rich text"/>` +
    `<DATATYPE-DEFINITION-ENUMERATION IDENTIFIER="gilla-status" LAST-CHANGE="${changed}" LONG-NAME="Status">` +
    `<SPECIFIED-VALUES>${values}</SPECIFIED-VALUES></DATATYPE-DEFINITION-ENUMERATION>` +
    '</DATATYPES>'
  );
}

function definition(
  kind: 'STRING' | 'XHTML' | 'ENUMERATION',
  id: string,
  name: string,
  changed: string,
  datatype: string,
) {
  const multi = kind === 'ENUMERATION' ? ' MULTI-VALUED="false"' : '';
  return (
    `<ATTRIBUTE-DEFINITION-${kind}${attr('IDENTIFIER', id)}${attr('LAST-CHANGE', changed)}${attr('LONG-NAME', name)}${multi}>` +
    `<TYPE><DATATYPE-DEFINITION-${kind}-REF>${datatype}</DATATYPE-DEFINITION-${kind}-REF></TYPE>` +
    `</ATTRIBUTE-DEFINITION-${kind}>`
  );
}

/** A kept attribute named like one of Gilla's own is written under a name of its own. */
const keptName = (name: string) => (OWN_ATTRIBUTES.has(name) ? `${name} (imported)` : name);

function specTypes(source: ReqifSource, changed: string): string {
  const kept = source.attributeNames
    .map((name, index) =>
      definition('STRING', `gilla-attribute-${index + 1}`, keptName(name), changed, 'gilla-string'),
    )
    .join('');
  const relationTypes = source.linkTypes
    .map(
      (type) =>
        `<SPEC-RELATION-TYPE${attr('IDENTIFIER', `gilla-link-${type.key}`)}${attr('LAST-CHANGE', changed)}${attr('LONG-NAME', type.name)}${attr('DESC', `${type.name} / ${type.inverseName}`)}/>`,
    )
    .join('');
  return (
    '<SPEC-TYPES>' +
    `<SPEC-OBJECT-TYPE IDENTIFIER="gilla-item" LAST-CHANGE="${changed}" LONG-NAME="Item"><SPEC-ATTRIBUTES>` +
    definition('STRING', 'gilla-key', 'ReqIF.ForeignID', changed, 'gilla-string') +
    definition('STRING', 'gilla-title', 'ReqIF.Name', changed, 'gilla-string') +
    definition('XHTML', 'gilla-body', 'ReqIF.Text', changed, 'gilla-xhtml') +
    definition('ENUMERATION', 'gilla-status-attribute', 'Status', changed, 'gilla-status') +
    kept +
    '</SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE>' +
    `<SPECIFICATION-TYPE IDENTIFIER="gilla-specification" LAST-CHANGE="${changed}" LONG-NAME="Specification"/>` +
    relationTypes +
    '</SPEC-TYPES>'
  );
}

const stringValue = (definitionId: string, value: string) =>
  `<ATTRIBUTE-VALUE-STRING${attr('THE-VALUE', value)}><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>${definitionId}</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>`;

function specObject(item: ReqifItem, attributeIds: Map<string, string>): string {
  const kept = Object.entries(item.attributes ?? {})
    .map(([name, value]) => {
      const id = attributeIds.get(name);
      return id === undefined ? '' : stringValue(id, value);
    })
    .join('');
  return (
    `<SPEC-OBJECT${attr('IDENTIFIER', reqifId(item.id))}${attr('LAST-CHANGE', item.updatedAt.toISOString())}${attr('LONG-NAME', item.key)}>` +
    '<VALUES>' +
    stringValue('gilla-key', item.key) +
    stringValue('gilla-title', item.title) +
    '<ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>gilla-body</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>' +
    `<THE-VALUE>${markdownToXhtml(item.body)}</THE-VALUE></ATTRIBUTE-VALUE-XHTML>` +
    '<ATTRIBUTE-VALUE-ENUMERATION><DEFINITION><ATTRIBUTE-DEFINITION-ENUMERATION-REF>gilla-status-attribute</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>' +
    `<VALUES><ENUM-VALUE-REF>gilla-status-${item.status}</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION>` +
    kept +
    '</VALUES>' +
    '<TYPE><SPEC-OBJECT-TYPE-REF>gilla-item</SPEC-OBJECT-TYPE-REF></TYPE>' +
    '</SPEC-OBJECT>\n'
  );
}

/** The link type whose links a ReqIF outline (nested SPEC-HIERARCHY) shows: child of. */
const OUTLINE_TYPE = 'parent';

/**
 * Where each item sits in the outline: nested under its `parent` link's target when that item
 * is on the path just above it in document order (a DOORS outline read back), else at the top.
 */
function outlineDepths(
  ids: readonly string[],
  parentLinks: readonly { source: string; target: string }[],
): Map<string, { depth: number; parent: string | null }> {
  const parentOf = new Map<string, string>();
  for (const l of parentLinks) if (!parentOf.has(l.source)) parentOf.set(l.source, l.target);
  const result = new Map<string, { depth: number; parent: string | null }>();
  const path: string[] = [];
  for (const id of ids) {
    const parent = parentOf.get(id);
    const at = parent === undefined ? -1 : path.lastIndexOf(parent);
    path.length = at + 1;
    result.set(id, { depth: path.length, parent: at >= 0 ? (parent as string) : null });
    path.push(id);
  }
  return result;
}

/** The ReqIF file, chunk by chunk; items are written as they come. */
export async function* reqifChunks(
  source: ReqifSource,
  items: AsyncIterable<ReqifItem>,
): AsyncGenerator<string> {
  const changed = source.lastChange.toISOString();
  const now = new Date().toISOString();
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield '<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n';
  yield `<THE-HEADER><REQ-IF-HEADER${attr('IDENTIFIER', `${reqifId(source.id)}-header`)}>`;
  yield `<CREATION-TIME>${now}</CREATION-TIME><REQ-IF-TOOL-ID>${escapeXml(source.tool)}</REQ-IF-TOOL-ID>`;
  yield `<REQ-IF-VERSION>1.0</REQ-IF-VERSION><SOURCE-TOOL-ID>${escapeXml(source.tool)}</SOURCE-TOOL-ID>`;
  yield `<TITLE>${escapeXml(source.title)}</TITLE></REQ-IF-HEADER></THE-HEADER>\n`;
  yield '<CORE-CONTENT><REQ-IF-CONTENT>\n';
  yield datatypes(changed);
  yield specTypes(source, changed);
  yield '\n';
  const attributeIds = new Map(
    source.attributeNames.map((name, i) => [name, `gilla-attribute-${i + 1}`]),
  );
  const typeIds = new Map(source.linkTypes.map((t) => [t.key, `gilla-link-${t.key}`]));
  const order: { id: string; changed: string }[] = [];
  const links: { source: string; type: string; target: string; changed: string }[] = [];
  let first = true;
  for await (const item of items) {
    if (first) yield '<SPEC-OBJECTS>\n';
    first = false;
    yield specObject(item, attributeIds);
    const itemChanged = item.updatedAt.toISOString();
    order.push({ id: item.id, changed: itemChanged });
    for (const link of item.links) {
      links.push({ source: item.id, type: link.type, target: link.targetId, changed: itemChanged });
    }
  }
  if (!first) yield '</SPEC-OBJECTS>\n';
  const inFile = new Set(order.map((o) => o.id));
  const depths = outlineDepths(
    order.map((o) => o.id),
    links.filter((l) => l.type === OUTLINE_TYPE && inFile.has(l.target)),
  );
  // A `parent` link the outline shows is not written again as a relation.
  const relations = links.filter(
    (l) =>
      inFile.has(l.target) &&
      typeIds.has(l.type) &&
      !(l.type === OUTLINE_TYPE && depths.get(l.source)?.parent === l.target),
  );
  if (relations.length > 0) {
    yield '<SPEC-RELATIONS>\n';
    for (const l of relations) {
      yield (
        `<SPEC-RELATION${attr('IDENTIFIER', `${reqifId(l.source)}-${l.type}-${l.target}`)}${attr('LAST-CHANGE', l.changed)}>` +
        `<TYPE><SPEC-RELATION-TYPE-REF>${typeIds.get(l.type) as string}</SPEC-RELATION-TYPE-REF></TYPE>` +
        `<SOURCE><SPEC-OBJECT-REF>${reqifId(l.source)}</SPEC-OBJECT-REF></SOURCE>` +
        `<TARGET><SPEC-OBJECT-REF>${reqifId(l.target)}</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>\n`
      );
    }
    yield '</SPEC-RELATIONS>\n';
  }
  yield `<SPECIFICATIONS><SPECIFICATION${attr('IDENTIFIER', reqifId(source.id))}${attr('LAST-CHANGE', changed)}${attr('LONG-NAME', source.title)}>`;
  yield '<TYPE><SPECIFICATION-TYPE-REF>gilla-specification</SPECIFICATION-TYPE-REF></TYPE>\n';
  if (order.length > 0) {
    yield '<CHILDREN>\n';
    // The open SPEC-HIERARCHY elements; `children`: whether its CHILDREN is open too.
    const open: { children: boolean }[] = [];
    const close = () =>
      open.pop()?.children ? '</CHILDREN></SPEC-HIERARCHY>\n' : '</SPEC-HIERARCHY>\n';
    for (const o of order) {
      const depth = depths.get(o.id)?.depth ?? 0;
      while (open.length > depth) yield close();
      const parent = open.at(-1);
      if (parent && !parent.children) {
        parent.children = true;
        yield '<CHILDREN>\n';
      }
      yield (
        `<SPEC-HIERARCHY${attr('IDENTIFIER', `${reqifId(o.id)}-h`)}${attr('LAST-CHANGE', o.changed)}>` +
        `<OBJECT><SPEC-OBJECT-REF>${reqifId(o.id)}</SPEC-OBJECT-REF></OBJECT>`
      );
      open.push({ children: false });
    }
    while (open.length > 0) yield close();
    yield '</CHILDREN>\n';
  }
  yield '</SPECIFICATION></SPECIFICATIONS>\n';
  yield '</REQ-IF-CONTENT></CORE-CONTENT>\n</REQ-IF>\n';
}
