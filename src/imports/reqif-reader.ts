import type { Element, Root as HastRoot } from 'hast';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ImportInvalidError } from '../domain/errors.js';
import { textOf, xhtmlToMarkdown } from '../documents/markdown-xhtml.js';

/*
 * Reads a ReqIF file with a streaming, non-validating XML parser (saxes): no DTD is read, no
 * entity but XML's five is expanded, and a document with a DOCTYPE is refused outright, so
 * neither external entities (XXE) nor entity expansion (billion laughs) can happen. Elements are
 * matched by local name, since real tools bind ReqIF's namespace in different ways. What the
 * reader keeps is small: the definitions, each object's values, the relations and each
 * specification's hierarchy; references are resolved by the caller once the whole file is read.
 */

export type ValueKind =
  'string' | 'xhtml' | 'integer' | 'real' | 'boolean' | 'date' | 'enumeration';

const KINDS = new Set<ValueKind>([
  'string',
  'xhtml',
  'integer',
  'real',
  'boolean',
  'date',
  'enumeration',
]);

export interface ReqifValue {
  definition: string;
  kind: ValueKind;
  /**
   * THE-VALUE of a simple value; the enumeration's ENUM-VALUE-REFs joined by '\n'; the text of
   * an XHTML value, its tags dropped.
   */
  text: string;
  /** An XHTML value as Markdown (converted as soon as it is read: no tree is kept). */
  markdown: string | null;
}

export interface ReqifObject {
  identifier: string;
  longName: string | null;
  type: string | null;
  values: ReqifValue[];
}

export interface ReqifRelation {
  identifier: string;
  type: string | null;
  source: string;
  target: string;
}

export interface HierarchyEntry {
  object: string;
  /** The object of the enclosing SPEC-HIERARCHY (null at the top). */
  parent: string | null;
}

export interface ReqifSpecification {
  identifier: string;
  longName: string | null;
  /** The objects the hierarchy names, in document order (depth first). */
  entries: HierarchyEntry[];
}

export interface ReqifDocument {
  headerIdentifier: string | null;
  title: string | null;
  /** Datatypes and attribute definitions by IDENTIFIER. */
  definitions: Map<string, { longName: string | null; kind: ValueKind; datatype: string | null }>;
  enumValues: Map<string, string>;
  relationTypes: Map<string, string>;
  objects: ReqifObject[];
  relations: ReqifRelation[];
  specifications: ReqifSpecification[];
}

/** Elements deeper than this are refused (no real ReqIF file comes near it). */
const MAX_DEPTH = 256;

function kindOf(local: string, prefix: string): ValueKind | null {
  if (!local.startsWith(prefix)) return null;
  const kind = local.slice(prefix.length).toLowerCase() as ValueKind;
  return KINDS.has(kind) ? kind : null;
}

class Reader {
  readonly doc: ReqifDocument = {
    headerIdentifier: null,
    title: null,
    definitions: new Map(),
    enumValues: new Map(),
    relationTypes: new Map(),
    objects: [],
    relations: [],
    specifications: [],
  };
  /** Local names of the open elements. */
  private readonly path: string[] = [];
  private text = '';
  private object: ReqifObject | null = null;
  private value: ReqifValue | null = null;
  private relation: Partial<ReqifRelation> & { identifier: string } = { identifier: '' };
  private inRelation = false;
  private specification: ReqifSpecification | null = null;
  /** The open SPEC-HIERARCHY elements; `open` until the entry is recorded. */
  private readonly hierarchy: { object: string; open: boolean }[] = [];
  private definition: string | null = null;
  private enumeration: { id: string; label: string | null } | null = null;
  /** The XHTML being built, innermost element last. */
  private xhtml: (Element | HastRoot)[] = [];

  constructor(private readonly where: () => string) {}

  private fail(message: string): never {
    throw new ImportInvalidError(`${this.where()}: ${message}`);
  }

  private required(tag: SaxesTagNS, attribute: string): string {
    const value = tag.attributes[attribute]?.value.trim();
    if (value === undefined || value === '') {
      this.fail(`<${tag.local}> has no ${attribute}`);
    }
    return value;
  }

  private optional(tag: SaxesTagNS, attribute: string): string | null {
    return tag.attributes[attribute]?.value ?? null;
  }

  private parent(depth = 1): string | undefined {
    return this.path[this.path.length - 1 - depth];
  }

  open(tag: SaxesTagNS): void {
    if (this.path.length >= MAX_DEPTH) this.fail(`elements nest deeper than ${MAX_DEPTH}`);
    const local = tag.local;
    this.path.push(local);
    this.text = '';
    const top = this.xhtml.at(-1);
    if (top !== undefined) {
      const element: Element = {
        type: 'element',
        tagName: local.toLowerCase(),
        // Attributes as hast properties: `class` is `className`, a list.
        properties: Object.fromEntries(
          Object.values(tag.attributes)
            .filter((a) => a.prefix === '' || a.prefix === undefined)
            .map((a): [string, string | string[]] =>
              a.local === 'class'
                ? ['className', a.value.split(/\s+/).filter(Boolean)]
                : [a.local, a.value],
            ),
        ),
        children: [],
      };
      top.children.push(element);
      this.xhtml.push(element);
      return;
    }
    const datatypeKind = kindOf(local, 'DATATYPE-DEFINITION-');
    const attributeKind = kindOf(local, 'ATTRIBUTE-DEFINITION-');
    const valueKind = kindOf(local, 'ATTRIBUTE-VALUE-');
    if (local === 'REQ-IF-HEADER') {
      this.doc.headerIdentifier = this.optional(tag, 'IDENTIFIER');
    } else if (datatypeKind && this.parent() === 'DATATYPES') {
      const id = this.required(tag, 'IDENTIFIER');
      const longName = this.optional(tag, 'LONG-NAME');
      this.doc.definitions.set(id, { longName, kind: datatypeKind, datatype: null });
    } else if (attributeKind && this.parent() === 'SPEC-ATTRIBUTES') {
      const id = this.required(tag, 'IDENTIFIER');
      const longName = this.optional(tag, 'LONG-NAME');
      this.doc.definitions.set(id, { longName, kind: attributeKind, datatype: null });
      this.definition = id;
    } else if (local === 'ENUM-VALUE' && this.parent() === 'SPECIFIED-VALUES') {
      const id = this.required(tag, 'IDENTIFIER');
      this.enumeration = { id, label: this.optional(tag, 'LONG-NAME') };
    } else if (local === 'SPEC-RELATION-TYPE') {
      const id = this.required(tag, 'IDENTIFIER');
      this.doc.relationTypes.set(id, this.optional(tag, 'LONG-NAME') ?? id);
    } else if (local === 'SPEC-OBJECT' && this.parent() === 'SPEC-OBJECTS') {
      this.object = {
        identifier: this.required(tag, 'IDENTIFIER'),
        longName: this.optional(tag, 'LONG-NAME'),
        type: null,
        values: [],
      };
    } else if (valueKind && this.object && this.parent() === 'VALUES') {
      this.value = {
        definition: '',
        kind: valueKind,
        text: this.optional(tag, 'THE-VALUE') ?? '',
        markdown: null,
      };
    } else if (local === 'THE-VALUE' && this.value?.kind === 'xhtml') {
      this.xhtml.push({ type: 'root', children: [] });
    } else if (local === 'SPEC-RELATION' && this.parent() === 'SPEC-RELATIONS') {
      this.relation = { identifier: this.required(tag, 'IDENTIFIER') };
      this.inRelation = true;
    } else if (local === 'SPECIFICATION' && this.parent() === 'SPECIFICATIONS') {
      this.specification = {
        identifier: this.required(tag, 'IDENTIFIER'),
        longName: this.optional(tag, 'LONG-NAME'),
        entries: [],
      };
    } else if (local === 'SPEC-HIERARCHY' && this.specification) {
      this.hierarchy.push({ object: '', open: true });
    }
  }

  onText(text: string): void {
    const top = this.xhtml.at(-1);
    if (top !== undefined) {
      top.children.push({ type: 'text', value: text });
      return;
    }
    this.text += text;
  }

  close(): void {
    const local = this.path.pop() as string;
    const text = this.text.trim();
    this.text = '';
    if (this.xhtml.length > 0) {
      const done = this.xhtml.pop();
      if (done?.type === 'root' && this.value) {
        this.value.text = textOf(done);
        this.value.markdown = xhtmlToMarkdown(done);
      }
      return;
    }
    const parent = this.path.at(-1);
    if (local === 'TITLE' && parent === 'REQ-IF-HEADER') {
      this.doc.title = text;
    } else if (local.startsWith('DATATYPE-DEFINITION-') && local.endsWith('-REF')) {
      if (this.definition !== null && parent === 'TYPE') {
        const found = this.doc.definitions.get(this.definition);
        if (found) found.datatype = text;
      }
    } else if (kindOf(local, 'ATTRIBUTE-DEFINITION-') && parent === 'SPEC-ATTRIBUTES') {
      this.definition = null;
    } else if (local === 'ENUM-VALUE' && this.enumeration) {
      this.doc.enumValues.set(this.enumeration.id, this.enumeration.label ?? this.enumeration.id);
      this.enumeration = null;
    } else if (local === 'OTHER-CONTENT' && this.enumeration && this.enumeration.label === null) {
      this.enumeration.label = text || null;
    } else if (local === 'SPEC-OBJECT-TYPE-REF' && this.object) {
      this.object.type = text;
    } else if (local.startsWith('ATTRIBUTE-DEFINITION-') && local.endsWith('-REF')) {
      if (this.value) this.value.definition = text;
    } else if (local === 'ENUM-VALUE-REF' && this.value) {
      this.value.text = this.value.text === '' ? text : `${this.value.text}\n${text}`;
    } else if (kindOf(local, 'ATTRIBUTE-VALUE-') && this.value && parent === 'VALUES') {
      if (this.value.definition === '') this.fail(`<${local}> has no DEFINITION`);
      this.object?.values.push(this.value);
      this.value = null;
    } else if (local === 'SPEC-OBJECT' && this.object && parent === 'SPEC-OBJECTS') {
      this.doc.objects.push(this.object);
      this.object = null;
    } else if (local === 'SPEC-RELATION-TYPE-REF' && this.inRelation) {
      this.relation.type = text;
    } else if (local === 'SPEC-OBJECT-REF' && this.inRelation) {
      if (parent === 'SOURCE') this.relation.source = text;
      if (parent === 'TARGET') this.relation.target = text;
    } else if (local === 'SPEC-RELATION' && this.inRelation) {
      const { identifier, type, source, target } = this.relation;
      if (!source || !target) this.fail(`<SPEC-RELATION> ${identifier} lacks a SOURCE or TARGET`);
      this.doc.relations.push({ identifier, type: type ?? null, source, target });
      this.inRelation = false;
    } else if (local === 'SPEC-OBJECT-REF' && parent === 'OBJECT' && this.hierarchy.length > 0) {
      (this.hierarchy.at(-1) as { object: string }).object = text;
    } else if (local === 'SPEC-HIERARCHY' && this.specification) {
      const entry = this.hierarchy.pop() as { object: string };
      if (entry.object === '') this.fail('<SPEC-HIERARCHY> has no OBJECT');
    } else if (local === 'SPECIFICATION' && this.specification && parent === 'SPECIFICATIONS') {
      this.doc.specifications.push(this.specification);
      this.specification = null;
    }
  }

  /** Records a hierarchy entry in document order once its OBJECT is known. */
  placeEntry(): void {
    const entry = this.hierarchy.at(-1);
    if (entry?.open && entry.object !== '' && this.specification) {
      entry.open = false;
      const parent = this.hierarchy.at(-2)?.object ?? null;
      this.specification.entries.push({ object: entry.object, parent });
    }
  }
}

/**
 * Parses a ReqIF file; a malformed one is a 400 `import_invalid` naming the line and column. The
 * text goes to the parser a slice at a time, and other requests are served between slices.
 */
export async function readReqif(text: string): Promise<ReqifDocument> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const reader = new Reader(() => `line ${parser.line}, column ${parser.column}`);
  let sawRoot = false;
  parser.on('doctype', () => {
    throw new ImportInvalidError(
      `line ${parser.line}: a DOCTYPE is refused (ReqIF needs none; entities are not expanded)`,
    );
  });
  parser.on('opentag', (tag) => {
    if (!sawRoot) {
      if (tag.local !== 'REQ-IF') {
        throw new ImportInvalidError(
          `line ${parser.line}: the root element is <${tag.name}>, not <REQ-IF>`,
        );
      }
      sawRoot = true;
    }
    reader.open(tag);
  });
  parser.on('text', (text) => reader.onText(text));
  parser.on('cdata', (text) => reader.onText(text));
  parser.on('closetag', () => {
    reader.close();
    reader.placeEntry();
  });
  parser.on('error', (err) => {
    throw new ImportInvalidError(
      `line ${parser.line}, column ${parser.column}: ${err.message.replace(/^\d+:\d+: /, '')}`,
    );
  });
  // In slices, so that the parser's own buffers stay small.
  const CHUNK = 1 << 16;
  for (let at = 0; at < text.length; at += CHUNK) {
    parser.write(text.slice(at, at + CHUNK));
    await new Promise((resolve) => setImmediate(resolve));
  }
  parser.close();
  if (!sawRoot) throw new ImportInvalidError('the file has no <REQ-IF> element');
  return reader.doc;
}
