import type { Element, ElementContent, Root as HastRoot, Properties } from 'hast';
import { toMdast } from 'hast-util-to-mdast';
import type { Root as MdastRoot } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import {
  gfmStrikethroughFromMarkdown,
  gfmStrikethroughToMarkdown,
} from 'mdast-util-gfm-strikethrough';
import { gfmTableFromMarkdown, gfmTableToMarkdown } from 'mdast-util-gfm-table';
import { toHast } from 'mdast-util-to-hast';
import { toMarkdown, type Options as ToMarkdownOptions } from 'mdast-util-to-markdown';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import { gfmTable } from 'micromark-extension-gfm-table';
import { escapeXml } from './xml-text.js';

/*
 * Item bodies are Markdown (CommonMark, plus GitHub's tables and strikethrough); ReqIF carries
 * rich text as XHTML. Both directions go through the syntax trees of the unified collective:
 * Markdown -> mdast -> hast -> XHTML on export, XHTML -> hast -> mdast -> Markdown on import.
 * Only the last step out (hast to ReqIF's prefixed XHTML) is ours, because ReqIF admits a subset
 * of XHTML 1.1 (no <img>: pictures are <object>) under the `xhtml:` prefix.
 */

const FROM_MARKDOWN = {
  extensions: [gfmTable(), gfmStrikethrough()],
  mdastExtensions: [gfmTableFromMarkdown(), gfmStrikethroughFromMarkdown()],
};

const TO_MARKDOWN: ToMarkdownOptions = {
  extensions: [gfmTableToMarkdown({ tablePipeAlign: false }), gfmStrikethroughToMarkdown()],
  bullet: '-',
  emphasis: '*',
  strong: '*',
  rule: '-',
  fence: '`',
  listItemIndent: 'one',
};

/** The XHTML 1.1 elements ReqIF's schema admits (text, hypertext, list, edit, presentation, object, table). */
const ALLOWED = new Set(
  (
    'abbr acronym address blockquote br cite code dfn div em h1 h2 h3 h4 h5 h6 kbd p pre q samp ' +
    'span strong var a dl dt dd ol ul li del ins b big hr i small sub sup tt object param ' +
    'caption table td th tr col colgroup tbody thead tfoot'
  ).split(' '),
);

/** hast property -> the XHTML attribute it is written as; properties not named here are dropped. */
const ATTRIBUTES: Record<string, string> = {
  href: 'href',
  title: 'title',
  className: 'class',
  align: 'align',
  data: 'data',
  type: 'type',
};

function attributeValue(value: Properties[string]): string | null {
  if (value === null || value === undefined || value === false) return null;
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
}

/** ReqIF has no <img>: a picture is an <object> whose content is its text alternative. */
function fitted(element: Element): Element | null {
  if (element.tagName === 'img') {
    const alt = attributeValue(element.properties.alt) ?? '';
    return {
      type: 'element',
      tagName: 'object',
      properties: { data: element.properties.src ?? '', title: element.properties.title },
      children: alt === '' ? [] : [{ type: 'text', value: alt }],
    };
  }
  // A checkbox of a task list, and anything else outside the schema, keeps only its content.
  return ALLOWED.has(element.tagName) ? element : null;
}

function writeNodes(nodes: readonly ElementContent[], out: string[]): void {
  for (const node of nodes) {
    if (node.type === 'text') out.push(escapeXml(node.value));
    else if (node.type === 'element') {
      const element = fitted(node);
      if (element === null) {
        writeNodes(node.children, out);
        continue;
      }
      const name = `xhtml:${element.tagName}`;
      out.push(`<${name}`);
      for (const [property, value] of Object.entries(element.properties)) {
        const attribute = ATTRIBUTES[property];
        const text = attributeValue(value);
        if (attribute !== undefined && text !== null) {
          out.push(` ${attribute}="${escapeXml(text)}"`);
        }
      }
      if (element.children.length === 0 && (element.tagName === 'br' || element.tagName === 'hr')) {
        out.push('/>');
        continue;
      }
      out.push('>');
      writeNodes(element.children, out);
      out.push(`</${name}>`);
    }
  }
}

/** Markdown as a tree, raw HTML kept as the text it is (it is never run, nor dropped). */
function markdownTree(markdown: string): MdastRoot {
  const tree = fromMarkdown(markdown, FROM_MARKDOWN);
  const visit = (node: { type: string; children?: unknown[] }) => {
    if (node.type === 'html') node.type = 'text';
    for (const child of (node.children ?? []) as { type: string }[]) visit(child);
  };
  visit(tree);
  return tree;
}

/**
 * Markdown as ReqIF XHTML content: one `<xhtml:div>` (the schema's XHTML-CONTENT is a single
 * block element), its content in the `xhtml:` prefix bound by the enclosing document.
 */
export function markdownToXhtml(markdown: string): string {
  const hast = toHast(markdownTree(markdown)) as HastRoot;
  const out: string[] = ['<xhtml:div>'];
  writeNodes(hast.children as ElementContent[], out);
  out.push('</xhtml:div>');
  return out.join('');
}

/** `<object data>` back to a picture (or a link, when it is not one), as export wrote it. */
function pictures(nodes: ElementContent[]): void {
  for (const [index, node] of nodes.entries()) {
    if (node.type !== 'element') continue;
    pictures(node.children);
    const data = attributeValue(node.properties.data);
    if (node.tagName !== 'object' || data === null) continue;
    const type = attributeValue(node.properties.type) ?? '';
    const alt = textOf(node);
    nodes[index] =
      type === '' || type.startsWith('image/')
        ? {
            type: 'element',
            tagName: 'img',
            properties: { src: data, alt, title: node.properties.title },
            children: [],
          }
        : {
            type: 'element',
            tagName: 'a',
            properties: { href: data },
            children: [{ type: 'text', value: alt || data }],
          };
  }
}

const BLOCKS = new Set(['p', 'div', 'li', 'br', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre']);

/** The text of an element, its tags dropped; blocks and line breaks end a line. */
export function textOf(node: ElementContent | HastRoot): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element' || node.type === 'root') {
    const text = (node.children as ElementContent[]).map(textOf).join('');
    return node.type === 'element' && BLOCKS.has(node.tagName) ? `${text}\n` : text;
  }
  return '';
}

/** An XHTML tree (as the ReqIF reader builds it) as Markdown; its text is never dropped. */
export function xhtmlToMarkdown(tree: HastRoot): string {
  pictures(tree.children as ElementContent[]);
  // Line endings are kept: a soft break is Markdown's, not whitespace to collapse.
  const mdast = toMdast(tree, { newlines: true }) as MdastRoot;
  return toMarkdown(mdast, TO_MARKDOWN).trimEnd();
}

/** Markdown in the form this module writes it (what an export and re-import gives back). */
export function canonicalMarkdown(markdown: string): string {
  return toMarkdown(markdownTree(markdown), TO_MARKDOWN).trimEnd();
}
