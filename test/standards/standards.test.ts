import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalSha256, checkJson, fetchStandards, loadStandards, STANDARD_FILES, CLR_CONTEXT_URL, DEFAULT_OFFLINE_DIR } from '../../src/standards';
import { specRoot, hasSpec } from '../credentials/support/spec';

const describeWithSpec = hasSpec ? describe : (name: string, fn: () => void) => describe.skip(`${name} (SKIPPED: ${specRoot} not found)`, fn);

describe('RFC 8785 hashes', () => {
  it('ignore whitespace, key order and number spelling, and change with any content', () => {
    const a = canonicalSha256({ b: [1, 2], a: 'x' });
    expect(canonicalSha256(JSON.parse('{ "a" : "x",\n "b": [1.0, 2e0] }'))).toBe(a);
    expect(canonicalSha256({ a: 'x', b: [2, 1] })).not.toBe(a);
    expect(checkJson('{"a":1}', canonicalSha256({ a: 1 }))).toEqual({ ok: true, value: { a: 1 } });
    expect(checkJson('{"a":1', 'x')).toEqual({ ok: false, reason: 'not JSON' });
    expect(checkJson('"text"', 'x')).toEqual({ ok: false, reason: 'not a JSON object' });
  });
});

describeWithSpec('standards data pins', () => {
  it('every pinned hash is the canonical SHA-256 of the 1EdTech copy, and every schema $id is its canonical URL', () => {
    for (const entry of STANDARD_FILES) {
      const json = JSON.parse(readFileSync(join(specRoot, entry.offlinePath), 'utf8')) as { $id?: string };
      expect({ file: entry.file, sha256: canonicalSha256(json) }).toEqual({ file: entry.file, sha256: entry.sha256 });
      if (entry.kind === 'schema') expect(json.$id).toBe(entry.url);
    }
    expect(STANDARD_FILES.filter((e) => e.kind === 'context').map((e) => e.url)).toEqual([CLR_CONTEXT_URL]);
    // All OB 3.0 and CLR 2.0 schemas of the spec tree are covered.
    const schemas = [...readdirSync(join(specRoot, 'ob-v3p0', 'schema')), ...readdirSync(join(specRoot, 'clr-v2p0', 'schema'))].sort();
    expect(STANDARD_FILES.filter((e) => e.kind === 'schema').map((e) => e.file).sort()).toEqual(schemas);
  });
});

describeWithSpec('laurel standards fetch', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-standards-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in for purl.imsglobal.org serving the spec copies, optionally altered. */
  const server = (serve: (entry: (typeof STANDARD_FILES)[number], json: unknown) => Response) => (async (url: string | URL | Request) => {
    const entry = STANDARD_FILES.find((e) => e.url === String(url));
    if (!entry) return new Response('not found', { status: 404 });
    return serve(entry, JSON.parse(readFileSync(join(specRoot, entry.offlinePath), 'utf8')));
  }) as typeof fetch;

  it('takes files from the canonical URLs when they match their pins, whatever their whitespace', async () => {
    const reindented = server((_e, json) => new Response(JSON.stringify(json, null, 7)));
    const outcomes = await fetchStandards({ dir, fetch: reindented });
    expect(outcomes.every((o) => o.ok && o.source === 'network')).toBe(true);
    const state = loadStandards(dir);
    expect(state.available).toBe(true);
    if (state.available) {
      expect(state.data.schemas.size).toBe(11);
      expect(state.data.contexts.get(CLR_CONTEXT_URL)).toHaveProperty('@context');
    }
    // Idempotent: a second run keeps what is cached and asks nothing.
    const again = await fetchStandards({ dir, fetch: (async () => { throw new Error('must not fetch'); }) as typeof fetch });
    expect(again.every((o) => o.source === 'cache')).toBe(true);
  });

  it('refuses a served file whose content differs from its pin, and falls back to the offline copy', async () => {
    const tampered = server((entry, json) => new Response(JSON.stringify(entry.kind === 'context' ? { '@context': { ClrCredential: 'https://evil.example/' } } : json)));
    const outcomes = await fetchStandards({ dir, fetch: tampered, offlineDir: specRoot });
    const context = outcomes.find((o) => o.file === 'clr_v2p0_context-2.0.1.json')!;
    expect(context).toMatchObject({ ok: true, source: 'offline' });
    expect(context.detail).toMatch(/refused: SHA-256 of its canonical JSON is [0-9a-f]{64}, expected 7defe702/);
    expect(loadStandards(dir).available).toBe(true);
  });

  it('without network and without an offline copy: fails fast, writes nothing, and says why', async () => {
    const hanging = ((_url: string, init?: RequestInit) => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' })));
    })) as unknown as typeof fetch;
    const began = Date.now();
    const outcomes = await fetchStandards({ dir, fetch: hanging, timeoutMs: 300, offlineDir: join(dir, 'nowhere') });
    expect(Date.now() - began).toBeLessThan(3000);
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    expect(outcomes[0]!.detail).toBe(`${STANDARD_FILES[0]!.url}: no answer within 300 ms; no offline copy at ${join(dir, 'nowhere', STANDARD_FILES[0]!.offlinePath)}`);
    expect(readdirSync(dir)).toEqual([]);
    const state = loadStandards(dir);
    expect(state.available).toBe(false);
  });

  it('the real network (unreachable here and in CI, so ../shared/spec is used): every file within seconds', async () => {
    const began = Date.now();
    const outcomes = await fetchStandards({ dir, offlineDir: DEFAULT_OFFLINE_DIR, timeoutMs: 4000 });
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(existsSync(join(dir, STANDARD_FILES[0]!.file))).toBe(true);
  });

  it('a cached file altered later is not loaded: the state names it', () => {
    writeFileSync(join(dir, 'ob_v3p0_achievementcredential_schema.json'), '{"$id": "x"}');
    const state = loadStandards(dir);
    expect(state.available).toBe(false);
    if (!state.available) {
      expect(state.missing[0]).toMatchObject({ file: 'ob_v3p0_achievementcredential_schema.json', reason: expect.stringMatching(/^SHA-256 of its canonical JSON is/) });
      expect(state.message).toContain("run 'laurel standards fetch'");
    }
  });
});
