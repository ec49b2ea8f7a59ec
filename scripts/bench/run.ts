// npm run bench: runs the benchmarks against a PRIVATE PostgreSQL and Redis (started here on free
// ports under .data/, removed at the end), so a benchmark never loads the shared local services and
// their other users never load the benchmark. Every result line is passed through to stdout as it
// comes; with `--repeat N` (N > 1) the benches run N times in turn and, at the end, one summary line
// per result (same name, params.summary = "median") gives the median, the values, min, max and the
// spread of the N runs with each run's load averages.
// Usage: node dist/scripts/bench/run.js [--repeat 3] [--shared-services] [NAME ...] [-- ARGS for each bench]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../src/paths';
import { freePort, PrivatePostgres, PrivateRedis, removeDir } from '../faults/infra';
import { emitLine, percentile } from './report';

/** Cheapest first; each is scripts/bench/<name>.ts compiled to dist/. */
const ALL = ['credentials', 'credentials-verify', 'issue', 'ingest', 'pipeline', 'backfill', 'export', 'scaling'];

interface Line {
  name: string;
  value: number | null;
  unit: string;
  params: Record<string, unknown>;
}

function parseArgs(argv: string[]) {
  const names: string[] = [];
  let repeat = 1;
  let shared = false;
  let benchArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--repeat') repeat = Number(argv[++i]);
    else if (a === '--shared-services') shared = true;
    else if (a === '--') {
      benchArgs = argv.slice(i + 1);
      break;
    }
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else names.push(a);
  }
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
  return { names: names.length ? names : ALL, repeat, shared, benchArgs };
}

function runBench(name: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    // BENCH_PROFILE_DIR=dir: a CPU profile of each bench process there (pipeline and ingest also profile Laurel's).
    const profile = env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_PROFILE_DIR}`] : [];
    const child = spawn(process.execPath, [...profile, join(__dirname, `${name}.js`), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Line[] = [];
    createInterface({ input: child.stdout! }).on('line', (text) => {
      process.stdout.write(`${text}\n`);
      try {
        lines.push(JSON.parse(text) as Line);
      } catch {
        process.stderr.write(`[bench] ${name}: not a JSON line: ${text}\n`);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`bench ${name} exited with ${code}`))));
  });
}

/** Median and spread of the k-th line of each name across runs (benches print their lines in a fixed order). */
function summarise(runs: Line[][]): void {
  const groups = new Map<string, Line[]>();
  for (const run of runs) {
    const seen = new Map<string, number>();
    for (const line of run) {
      const k = seen.get(line.name) ?? 0;
      seen.set(line.name, k + 1);
      const key = `${line.name}#${k}`;
      groups.set(key, [...(groups.get(key) ?? []), line]);
    }
  }
  for (const lines of groups.values()) {
    const values = lines.map((l) => l.value).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    const first = lines[0]!;
    const median = values.length ? (values.length % 2 ? values[(values.length - 1) / 2]! : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2) : null;
    const { load_start: _s, load_end: _e, ...params } = first.params;
    emitLine(first.name, median, first.unit, {
      ...params,
      summary: 'median',
      runs: lines.length,
      // A run that reported no value (e.g. a pipeline run with missing credentials) is not a value.
      values: lines.map((l) => l.value),
      min: values[0] ?? null,
      max: values.at(-1) ?? null,
      spread_pct: median ? Math.round(((values.at(-1)! - values[0]!) / median) * 1000) / 10 : null,
      p90_of_runs: values.length ? percentile(values, 90) : null,
      load_start: lines.map((l) => l.params.load_start),
      load_end: lines.map((l) => l.params.load_end),
    });
  }
}

async function main(): Promise<void> {
  const { names, repeat, shared, benchArgs } = parseArgs(process.argv.slice(2));
  const env: NodeJS.ProcessEnv = { ...process.env };
  let cleanup = async () => undefined as void;
  if (!shared) {
    const root = join(projectRoot, '.data', `bench-${randomBytes(4).toString('hex')}`);
    const pg = new PrivatePostgres(root, await freePort());
    const redis = new PrivateRedis(root, await freePort());
    process.stderr.write(`[bench] private PostgreSQL :${pg.port} and Redis :${redis.port} under ${root}\n`);
    await pg.init();
    await redis.start();
    env.DATABASE_URL = pg.url;
    env.REDIS_URL = redis.url;
    // The scaling and pipeline benches attribute PostgreSQL's and Redis's CPU time.
    env.BENCH_PG_DATA = pg.dataDir;
    env.BENCH_REDIS_PID = String(redis.pid ?? '');
    cleanup = async () => {
      await redis.stop();
      pg.stop();
      removeDir(root);
    };
  }
  const stop = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const runs: Line[][] = [];
  let failed = false;
  try {
    for (let r = 0; r < repeat; r++) {
      const run: Line[] = [];
      for (const name of names) {
        process.stderr.write(`[bench] ${name}${repeat > 1 ? ` (run ${r + 1} of ${repeat})` : ''}\n`);
        try {
          run.push(...(await runBench(name, env, benchArgs)));
        } catch (error) {
          failed = true;
          process.stderr.write(`[bench] ${(error as Error).message}\n`);
        }
      }
      runs.push(run);
    }
    if (repeat > 1) summarise(runs);
  } finally {
    await cleanup();
  }
  if (failed) process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
