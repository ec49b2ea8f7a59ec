import fc from 'fast-check';
import { parseStrictJson } from '../../src/events/strict-json';

describe('strict JSON reading of signed webhook bodies', () => {
  it.each([
    ['a repeated key', '{"a":1,"a":2}', /repeats the key "a"/],
    ['a repeated key spelled with an escape', '{"a":1,"\\u0061":2}', /repeats the key "a"/],
    ['a repeated key in a nested object', '{"x":{"k":1,"k":1}}', /repeats the key "k"/],
    ['nesting deeper than the limit', `{"x":${'['.repeat(40)}${']'.repeat(40)}}`, /nests deeper/],
    ['invalid JSON', '{"a":', /not valid JSON/],
  ])('refuses %s', (_name, text, reason) => {
    const parsed = parseStrictJson(Buffer.from(text));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });

  it('refuses invalid UTF-8', () => {
    const parsed = parseStrictJson(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
    expect(parsed).toEqual({ ok: false, reason: 'The body is not valid UTF-8.' });
  });

  it('keeps the same key in sibling objects and the same text as a value', () => {
    expect(parseStrictJson('{"a":{"k":1},"b":{"k":2},"c":"a"}')).toEqual({ ok: true, value: { a: { k: 1 }, b: { k: 2 }, c: 'a' } });
  });

  it('refuses any object that repeats a key, however the repeat is spelled (escapes, quotes and backslashes in keys)', () => {
    const escapeAll = (key: string) => `"${[...key].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', '"', '\\', 'é', '\u0001') }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }), fc.nat(), fc.boolean(), (object, pick, escaped) => {
        const keys = Object.keys(object);
        const repeated = keys[pick % keys.length]!;
        const members = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(object[key])}`);
        members.push(`${escaped ? escapeAll(repeated) : JSON.stringify(repeated)}:1`);
        const parsed = parseStrictJson(Buffer.from(`{"outer":{${members.join(',')}}}`, 'utf8'));
        expect(parsed.ok).toBe(false);
        expect(parsed.ok ? '' : parsed.reason).toMatch(/repeats the key/);
      }),
      { numRuns: 500 },
    );
  });

  it('reads any JSON without repeated keys exactly as JSON.parse does (escaped keys included)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        expect(parseStrictJson(Buffer.from(text, 'utf8'))).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 500 },
    );
  });
});
