/** How much of the start of a document decides whether it is HTML. */
const SNIFF_CHARS = 4096;

// Comments, and the server-side directives of a page saved from its template (`<%@ page ... %>`, `<?php ... ?>`), may come first.
const DOCUMENT_START = /^(?:\ufeff)?\s*(?:(?:<!--[\s\S]*?-->|<%[\s\S]*?%>|<\?php[\s\S]*?\?>)\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|\?xml[^>]*>\s*<!doctype\s+html)/i;
// Structural tags only: markdown and plain text carry the odd <br>, <b> or <a> too.
const HTML_TAG = /<\/?(?:html|head|body|div|p|span|table|tr|td|ul|ol|li|h[1-6]|article|section|meta|script|style|figure|figcaption|header|footer|nav|main|link|title|blockquote)(?:\s[^<>]*)?\/?>/gi;
/** Structural tags a fragment needs in its first 4 KB before it counts as HTML. */
const FRAGMENT_MIN_TAGS = 3;

/** Whether `text` opens as a whole HTML page (a doctype, `<html>` or `<head>`, after comments). */
export function isHtmlPage(text: string): boolean {
  return DOCUMENT_START.test(text.slice(0, SNIFF_CHARS));
}

/** Whether `text` is an HTML page or fragment, whatever its file name says; looks at the first 4 KB only. */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, SNIFF_CHARS);
  if (DOCUMENT_START.test(head)) return true;
  let tags = 0;
  HTML_TAG.lastIndex = 0;
  while (HTML_TAG.exec(head) !== null) {
    if (++tags >= FRAGMENT_MIN_TAGS) return true;
  }
  return false;
}

const CHARSET_BYTES = 4096;
const META_CHARSET = /<meta\s[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)/i;
const XML_ENCODING = /^\s*<\?xml\s[^>]*encoding\s*=\s*["']([a-z0-9_.:-]+)["']/i;

/**
 * The character encoding a page declares in its first 4 KB: `<meta charset>`,
 * `<meta http-equiv="Content-Type" content="...; charset=...">` or `<?xml encoding?>`;
 * the label lower-cased as written (the caller maps labels to decoders); null when none.
 */
export function declaredCharset(bytes: Uint8Array): string | null {
  // Latin-1 maps each byte to one character, so ASCII markup reads right in any ASCII-compatible encoding.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, CHARSET_BYTES)).toString('latin1');
  const xml = XML_ENCODING.exec(head);
  if (xml) return xml[1]!.toLowerCase();
  const meta = META_CHARSET.exec(head);
  return meta ? meta[1]!.toLowerCase() : null;
}
