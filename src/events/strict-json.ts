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
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let escaped = false;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          escaped = true;
          j += 2;
        } else j++;
      }
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        let key: string;
        // A key without escapes is its own text; only an escaped one needs decoding (most events have none).
        if (!escaped) key = text.slice(i + 1, j);
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
    } else if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : null);
      if (stack.length > maxDepth) return `The body nests deeper than ${maxDepth} levels.`;
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return undefined;
}
