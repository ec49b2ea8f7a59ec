/**
 * JSON as a signed webhook body must be read: one meaning only. The signature covers bytes; if those
 * bytes held `{"score": 1, "score": 100}` or invalid UTF-8, two parsers (ours, a log reader, the
 * LMS's) could disagree about what was signed. So a body is refused when it is not valid UTF-8, when
 * an object repeats a key, or when it nests deeper than any real event (a cheap way to exhaust a parser).
 */
export const MAX_EVENT_JSON_DEPTH = 32;

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseStrictJson(body: Buffer | string, maxDepth = MAX_EVENT_JSON_DEPTH): StrictJsonResult {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return { ok: false, reason: 'The body is not valid UTF-8.' };
  }
  const structure = checkStructure(text, maxDepth);
  if (structure) return { ok: false, reason: structure };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'The body is not valid JSON.' };
  }
}

/** One linear pass over the text: nesting depth and repeated keys. Malformed JSON is left to JSON.parse. */
function checkStructure(text: string, maxDepth: number): string | undefined {
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const j = closingQuote(text, i);
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        const raw = text.slice(i + 1, j);
        let key: string;
        // A key without escapes is its own text; only an escaped one needs decoding (most events have none).
        if (raw.indexOf('\\') === -1) key = raw;
        else {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return undefined; // not JSON: JSON.parse says so
          }
        }
        if (top.has(key)) return `The body repeats the key "${key.slice(0, 40)}" in one object.`;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      stack.push(c === OPEN_BRACE ? new Set() : null);
      if (stack.length > maxDepth) return `The body nests deeper than ${maxDepth} levels.`;
      expectKey = c === OPEN_BRACE;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      stack.pop();
    } else if (c === COMMA) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}

// Character codes of the structural characters: the scan compares numbers, never one-character strings.
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const COMMA = 0x2c; // ,

/** Index of the quote closing the string opened at `open` (one preceded by an even number of backslashes), or the text's length. */
function closingQuote(text: string, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote;
    from = quote + 1;
  }
}
