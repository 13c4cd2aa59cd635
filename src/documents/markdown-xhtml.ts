import type { ElementContent, Root as HastRoot, Properties } from 'hast';
import { toMdast } from 'hast-util-to-mdast';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { Root as MdastRoot } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import {
  gfmStrikethroughFromMarkdown,
  gfmStrikethroughToMarkdown,
} from 'mdast-util-gfm-strikethrough';
import { gfmTableFromMarkdown, gfmTableToMarkdown } from 'mdast-util-gfm-table';
import { toMarkdown, type Options as ToMarkdownOptions } from 'mdast-util-to-markdown';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import { gfmTable } from 'micromark-extension-gfm-table';
import { escapeXml } from './xml-text.js';

/*
 * Item bodies are Markdown (CommonMark, plus GitHub's tables and strikethrough); ReqIF carries
 * rich text as XHTML. Out, markdown-it's token stream is written as ReqIF's XHTML: a subset of
 * XHTML 1.1 (no <img>: pictures are <object>) under the `xhtml:` prefix. In, the XHTML tree the
 * reader builds goes through the unified collective's syntax trees, hast -> mdast -> Markdown.
 * Markdown in canonical form (as the way in writes it) makes the round trip unchanged.
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

function attributeValue(value: Properties[string]): string | null {
  if (value === null || value === undefined || value === false) return null;
  if (Array.isArray(value)) return value.join(' ');
  return String(value);
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

const markdownIt = new MarkdownIt('commonmark', { html: false }).enable(['table', 'strikethrough']);

const attrOf = (token: Token, name: string) => token.attrGet(name);

/** The plain text of inline tokens (a picture's text alternative). */
function inlineText(tokens: readonly Token[]): string {
  return tokens
    .map((t) => (t.children ? inlineText(t.children) : t.type === 'softbreak' ? ' ' : t.content))
    .join('');
}

// Strikethrough is <s> to markdown-it; XHTML 1.1 has <del>.
const tagOf = (token: Token) => (token.tag === 's' ? 'del' : token.tag);

function open(out: string[], tag: string, attributes: [string, string | null][] = []): void {
  out.push(`<xhtml:${tag}`);
  for (const [name, value] of attributes) {
    if (value !== null && value !== '') out.push(` ${name}="${escapeXml(value)}"`);
  }
  out.push('>');
}

/**
 * XHTML 1.1 wants a table body: a table of a header row alone writes that row in <tbody> (its
 * cells stay <th>, so it reads back as the header).
 */
function headerOnly(tokens: readonly Token[], at: number): boolean {
  for (let i = at + 1; i < tokens.length; i++) {
    const type = tokens[i]?.type;
    if (type === 'tbody_open') return false;
    if (type === 'table_close') return true;
  }
  return true;
}

function writeTokens(tokens: readonly Token[], out: string[]): void {
  let bodyless = false;
  for (const [at, token] of tokens.entries()) {
    if (token.hidden) continue;
    switch (token.type) {
      case 'table_open':
        bodyless = headerOnly(tokens, at);
        out.push('<xhtml:table>');
        break;
      case 'thead_open':
        out.push(bodyless ? '<xhtml:tbody>' : '<xhtml:thead>');
        break;
      case 'thead_close':
        out.push(bodyless ? '</xhtml:tbody>\n' : '</xhtml:thead>\n');
        break;
      case 'inline':
        writeTokens(token.children ?? [], out);
        break;
      case 'text':
        out.push(escapeXml(token.content));
        break;
      case 'softbreak':
        out.push('\n');
        break;
      case 'hardbreak':
        out.push('<xhtml:br/>');
        break;
      case 'hr':
        out.push('<xhtml:hr/>\n');
        break;
      case 'code_inline':
        out.push(`<xhtml:code>${escapeXml(token.content)}</xhtml:code>`);
        break;
      case 'fence':
      case 'code_block': {
        const language = token.info.trim().split(/\s+/)[0] ?? '';
        out.push('<xhtml:pre>');
        open(out, 'code', [['class', language === '' ? null : `language-${language}`]]);
        out.push(`${escapeXml(token.content)}</xhtml:code></xhtml:pre>\n`);
        break;
      }
      case 'image':
        // ReqIF has no <img>: a picture is an <object> whose content is its text alternative.
        open(out, 'object', [
          ['data', attrOf(token, 'src')],
          ['title', attrOf(token, 'title')],
        ]);
        out.push(`${escapeXml(inlineText(token.children ?? []))}</xhtml:object>`);
        break;
      case 'link_open':
        open(out, 'a', [
          ['href', attrOf(token, 'href')],
          ['title', attrOf(token, 'title')],
        ]);
        break;
      case 'th_open':
      case 'td_open': {
        const align = /text-align:(\w+)/.exec(attrOf(token, 'style') ?? '')?.[1] ?? null;
        open(out, token.tag, [['align', align]]);
        break;
      }
      default:
        // Every other token opens or closes the element its tag names (p, h1–h6, ul, ol, li,
        // blockquote, em, strong, s, table parts); an ordered list's start is not XHTML 1.1.
        if (token.nesting === 1) open(out, tagOf(token));
        else if (token.nesting === -1)
          out.push(`</xhtml:${tagOf(token)}>${token.block ? '\n' : ''}`);
    }
  }
}

/**
 * Markdown as ReqIF XHTML content (markdown-it, CommonMark with tables and strikethrough): one
 * `<xhtml:div>` (the schema's XHTML-CONTENT is a single block element), its content in the
 * `xhtml:` prefix bound by the enclosing document. Raw HTML in Markdown stays the text it is.
 */
export function markdownToXhtml(markdown: string): string {
  const out: string[] = ['<xhtml:div>'];
  writeTokens(markdownIt.parse(markdown, {}), out);
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
