import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';
import { DEFAULT_STANDARDS_DIR, loadStandards } from '../../src/standards';

const entry = join(projectRoot, 'dist', 'src', 'main.js');

/** Runs the compiled entry point as `npm start` would in production. */
function start(standardsDir: string) {
  const began = Date.now();
  const run = spawnSync(process.execPath, [entry], {
    cwd: projectRoot,
    // If the check let it through, it would listen on this port until the timeout kills it.
    env: { ...process.env, NODE_ENV: 'production', STANDARDS_DIR: standardsDir, PORT: '39999', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ...run, ms: Date.now() - began };
}

/** Issue 11: a production start without the standards data fails fast, with one line naming the file and the command. */
(existsSync(entry) ? describe : describe.skip)(`production start-up without standards data (${existsSync(entry) ? 'compiled' : 'SKIPPED: run npm run build'})`, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-standards-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an empty cache: exit 78 at once, one line naming the first missing file and laurel standards fetch', () => {
    const run = start(dir);
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`Laurel cannot start: Standards data missing: ${join(dir, 'ob_v3p0_achievementcredential_schema.json')} is missing (and 11 more standards file(s)); run 'laurel standards fetch' to fetch it\n`);
    expect(run.ms).toBeLessThan(10_000);
  });

  it('a file that does not match its pinned hash is refused the same way, naming it', () => {
    if (!loadStandards(DEFAULT_STANDARDS_DIR).available) throw new Error(`the standards cache ${DEFAULT_STANDARDS_DIR} is not filled: run 'laurel standards fetch'`);
    cpSync(DEFAULT_STANDARDS_DIR, dir, { recursive: true });
    const context = join(dir, 'clr_v2p0_context-2.0.1.json');
    writeFileSync(context, JSON.stringify({ '@context': { ClrCredential: 'https://evil.example/ClrCredential' } }));
    const run = start(dir);
    expect(run.status).toBe(78);
    expect(run.stderr.split('\n')).toEqual([expect.stringMatching(new RegExp(`^Laurel cannot start: Standards data missing: ${context.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is refused: SHA-256 of its canonical JSON is [0-9a-f]{64}, expected 7defe702c102faf14108579b7d65ef39ecf4c3bbef925b803e15bd77cd6e3394; run 'laurel standards fetch' to fetch it$`)), '']);
  });
});
