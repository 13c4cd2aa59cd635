import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'preact/hooks';

// Links in a body open away from the console and tell the target nothing about it.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/**
 * Markdown rendered by `marked` and sanitised by DOMPurify before it meets the page: an item body
 * is written by another member, and no script, handler or `javascript:` link of it may run here.
 */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true, breaks: false });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    // No forms (a fake sign-in inside a body), no styling of the page around it, and no ids that
    // would clash with the console's own.
    FORBID_TAGS: ['form', 'input', 'button', 'select', 'textarea', 'style'],
    FORBID_ATTR: ['style', 'id'],
  });
}

export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  if (!source.trim()) return <p class="muted">No text.</p>;
  return (
    <div
      class="markdown"
      // Sanitised above: this is the one place HTML from the API meets the page.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
