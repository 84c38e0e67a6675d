/**
 * XML 1.0 text and attribute escaping. Guest consoles carry bytes XML forbids (NUL, escape
 * sequences, other C0 controls); they are written as visible `\xNN` text instead, so a JUnit file
 * is always well formed and still shows what the guest printed.
 */

// Everything outside XML 1.0's Char production: C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF.
const NOT_XML_CHAR = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

function visible(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** Escapes character data (element content). CR is kept as a reference so parsers do not fold it into LF. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, visible).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (for use inside double quotes); whitespace characters survive as references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
