/**
 * How many web and worker processes one Laurel start runs (`WEB_PROCESSES`, `WORKER_PROCESSES`).
 * Why processes: signing and JSON work are CPU-bound and Node runs JavaScript on one core per
 * process; web processes share the port through node:cluster, workers share the queues through Redis.
 * `WORKER_PROCESSES=0` is the combined layout: no worker processes, each web process runs the jobs too.
 * Why these defaults: on one core a second process only adds context switches; with more, HTTP intake
 * (short requests, must answer fast) and jobs (signing, long) get separate processes so a burst of
 * issuing never delays a 202, half the cores each (workers get the odd core: they are the CPU-heavy half).
 * Measured on 2 cores (docs/capacity.md, pipeline): 1 web + 2 workers was worse than 1 + 1 at 100 and
 * 500 events/s (the second worker takes CPU from intake, which is what limits the achieved rate there),
 * and so was one combined process (300 events/s: 157/s achieved, p99 27 s, against 239/s and 5.1 s
 * for 1 + 1 in the same minutes): on a shared machine one process gets one share of the CPU, and its
 * jobs delay its own 202s.
 */
export interface ProcessLayout {
  web: number;
  /** Worker processes; 0 when the web processes run the jobs too. */
  workers: number;
  /** One process doing both (the embedded default on one core). */
  single: boolean;
}

export function processLayout(props: { cores: number; env: { WEB_PROCESSES?: string | number | undefined; WORKER_PROCESSES?: string | number | undefined } }): ProcessLayout {
  const given = (v: string | number | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const web = given(props.env.WEB_PROCESSES);
  const workers = given(props.env.WORKER_PROCESSES);
  for (const [name, v, min] of [['WEB_PROCESSES', web, 1], ['WORKER_PROCESSES', workers, 0]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > 64)) throw new RangeError(`${name} must be an integer from ${min} to 64`);
  }
  const cores = Math.max(1, Math.floor(props.cores));
  if (web === undefined && workers === undefined && cores === 1) return { web: 1, workers: 0, single: true };
  const defaultWeb = Math.max(1, Math.floor(cores / 2));
  const w = web ?? defaultWeb;
  const k = workers ?? Math.max(1, cores - Math.min(w, defaultWeb));
  return { web: w, workers: k, single: w === 1 && k === 0 };
}
