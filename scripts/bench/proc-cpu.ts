// CPU time of the processes a bench does not run itself (its private PostgreSQL and Redis, and the
// whole machine), read from Linux /proc, so a bench line can say where the cores went: Laurel's
// processes, the load generator, the database, Redis, or other users of a shared machine.
// Everything here answers undefined when /proc is not there (macOS): "not measured", never zero.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, and cutime + cstime (children already reaped), in ms. */
  ownMs: number;
  reapedMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const tick = 1000 / clockTicks();
    return { pid, ppid: Number(fields[1]), ownMs: (Number(fields[11]) + Number(fields[12])) * tick, reapedMs: (Number(fields[13]) + Number(fields[14])) * tick };
  } catch {
    return undefined; // exited meanwhile
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function pids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/**
 * CPU ms used so far by the service listening on `port`: PostgreSQL (the postmaster started with
 * `-p PORT`, its live backends, and the backends it reaped) or Redis (`redis-server 127.0.0.1:PORT`).
 */
export function serviceCpuMs(kind: 'postgres' | 'redis', port: number): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const all = pids();
  const root = all.find((pid) => {
    const line = cmdline(pid);
    return kind === 'postgres' ? /\bpostgres\b/.test(line) && line.includes(` -p ${port} `) : new RegExp(`^redis-server \\S*:${port}\\b`).test(line);
  });
  if (root === undefined) return undefined;
  const stats = all.map(readStat).filter((s): s is ProcStat => s !== undefined);
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return undefined;
  let total = rootStat.ownMs + rootStat.reapedMs;
  for (const s of stats) if (s.ppid === root) total += s.ownMs;
  return total;
}

/** CPU ms the whole machine was busy so far (all cores, every process; /proc/stat minus idle and iowait). */
export function machineBusyMs(): number | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / clockTicks();
}

/** Reads every counter now; `since()` answers the ms each used from then on (undefined: not measured). */
export function cpuCounters(services: { postgresPort?: number; redisPort?: number }) {
  const read = () => ({
    db: services.postgresPort ? serviceCpuMs('postgres', services.postgresPort) : undefined,
    redis: services.redisPort ? serviceCpuMs('redis', services.redisPort) : undefined,
    machine: machineBusyMs(),
  });
  const start = read();
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
  return {
    since() {
      const end = read();
      return { dbMs: diff(start.db, end.db), redisMs: diff(start.redis, end.redis), machineMs: diff(start.machine, end.machine) };
    },
  };
}

/** CPU ms used so far by one thread of this process (`tid`; the main thread's is the process id). */
export function threadCpuMs(tid: number = process.pid): number | undefined {
  try {
    const text = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}
