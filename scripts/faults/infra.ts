// Private PostgreSQL and Redis servers for fault tests: started in a scratch directory on free ports,
// so the tests can kill and restart them without disturbing the local services or other suites.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const isRoot = process.getuid?.() === 0;

function run(command: string, args: string[], options: { asPostgres?: boolean } = {}): string {
  const [cmd, argv] = options.asPostgres && isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

function pgBin(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, 'bin', name))) return join(base, v, 'bin', name);
  return name;
}

export class PrivatePostgres {
  readonly dataDir: string;
  constructor(
    readonly root: string,
    readonly port: number,
  ) {
    this.dataDir = join(root, 'pg');
  }

  get url(): string {
    return `postgres://laurel@127.0.0.1:${this.port}/laurel`;
  }

  async init(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    if (isRoot) {
      // The postgres user must be able to reach its data directory.
      for (let d = this.root; d !== '/'; d = dirname(d)) chmodSync(d, 0o755 | 0o001);
      run('chown', ['-R', 'postgres:postgres', this.root]);
    }
    run(pgBin('initdb'), ['-D', this.dataDir, '-U', 'laurel', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], { asPostgres: true });
    this.start();
    run('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'laurel', '-d', 'postgres', '-qc', 'create database laurel']);
  }

  start(): void {
    // BENCH_PG_STATEMENTS=1 (npm run bench sets it for the pipeline bench): pg_stat_statements loaded, so a bench can say which statements cost PostgreSQL's time.
    const statementStats = process.env.BENCH_PG_STATEMENTS === '1' ? ' -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on' : '';
    run(pgBin('pg_ctl'), ['-D', this.dataDir, '-l', join(this.dataDir, 'log.txt'), '-w', '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dataDir} -c max_connections=200${statementStats}`, 'start'], { asPostgres: true });
  }

  /** A fast restart: every connection is cut, as in a failover. */
  restart(): void {
    // `-l` again: without it the new postmaster would inherit our stdout pipe and spawnSync would
    // wait for it forever.
    run(pgBin('pg_ctl'), ['-D', this.dataDir, '-l', join(this.dataDir, 'log.txt'), '-m', 'fast', '-w', 'restart'], { asPostgres: true });
  }

  stop(): void {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) run(pgBin('pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'], { asPostgres: true });
  }
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(
    readonly root: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs (benches attribute its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const dir = join(this.root, 'redis');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `bind 127.0.0.1\nport ${this.port}\ndir ${dir}\nappendonly yes\nappendfsync everysec\nsave ""\nmaxmemory-policy noeviction\n`);
    const child = spawn('redis-server', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10000);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  }

  /** A clean shutdown (AOF flushed), as when an operator restarts Redis. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
