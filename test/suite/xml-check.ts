/**
 * A strict-enough XML 1.0 well-formedness check for the JUnit tests: only characters XML allows,
 * every tag closed in order, attributes quoted, only the five predefined entities and character
 * references. Returns the problems (empty when well formed) and the element names seen.
 */
export function checkXml(xml: string): { problems: string[]; elements: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  const bad = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.exec(xml);
  if (bad !== null) problems.push(`character U+${bad[0].codePointAt(0)!.toString(16)} at ${bad.index} is not allowed in XML 1.0`);
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  for (let m = token.exec(body); m !== null; m = token.exec(body)) {
    if (m[0] === '<') { problems.push(`stray < at ${m.index}`); continue; }
    if (m[0].startsWith('&')) { problems.push(`bad entity at ${m.index}: ${body.slice(m.index, m.index + 10)}`); continue; }
    const [, close, name, , selfClose] = m;
    if (close === '/') {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      if (stack.length === 0 && elements.length > 0) problems.push(`a second root element <${name}>`);
      elements.push(name);
      if (selfClose !== '/') stack.push(name);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' ')}`);
  return { problems, elements };
}
