// CPU accounting for the benches that run Laurel as separate processes: what each process (and the
// private PostgreSQL and Redis that `npm run bench` started) used, read from /proc (Linux).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS = 100; // USER_HZ on Linux

/** CPU milliseconds (user + system) a process and its threads have used so far; 0 once gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return 0;
  }
}

/** The private PostgreSQL's processes (postmaster and its children), when its data directory is known (BENCH_PG_DATA). */
export function postgresPids(): number[] {
  const dataDir = process.env.BENCH_PG_DATA;
  if (!dataDir || !existsSync(join(dataDir, 'postmaster.pid'))) return [];
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The private Redis's process, when `npm run bench` started one (BENCH_REDIS_PID). */
export function redisPids(): number[] {
  const pid = Number(process.env.BENCH_REDIS_PID);
  return Number.isInteger(pid) && pid > 0 ? [pid] : [];
}

/** Whole-machine busy CPU ticks and total ticks (all cores) from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
}
