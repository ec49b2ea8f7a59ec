// Preloaded into each Laurel process a bench starts (`node --require dist/scripts/bench/probe.js`),
// never part of Laurel itself: once a second it appends one JSON line to
// $BENCH_PROBE_DIR/<ROLE>-<pid>.jsonl with the process's event-loop delay over that second
// (perf_hooks monitorEventLoopDelay: how long a ready callback - a request, a job's next step -
// waited for the loop) and the CPU it used (process.cpuUsage: every thread of the process, the
// signing threads included). The bench reads the lines of its measurement window to say, per
// process, whether work waited for a busy loop or for something else.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.BENCH_PROBE_DIR;
// Worker threads (the signing pool) inherit --require: only the main thread reports, for the process.
if (dir && isMainThread) {
  const file = join(dir, `${process.env.ROLE ?? 'all'}-${process.pid}.jsonl`);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const line = {
      t: Date.now(),
      role: process.env.ROLE ?? 'all',
      pid: process.pid,
      loop_p50_ms: ms(delay.percentile(50)),
      loop_p99_ms: ms(delay.percentile(99)),
      loop_max_ms: ms(delay.max),
      cpu_ms: Math.round((used.user + used.system) / 1000),
    };
    delay.reset();
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // the bench removed its directory: nothing left to report to
    }
  }, 1000);
  timer.unref();
}
