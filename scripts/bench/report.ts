// One bench result line: {"name","value","unit","params"} on stdout (DESIGN section 7), with the
// machine's 1-minute load average when the measurement started and when it ended. On a shared
// machine the load explains much of a figure, so no figure travels without it.
import { availableParallelism, loadavg } from 'node:os';

export function loadNow(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

export interface Measurement {
  /** Load average when `measure()` was called. */
  readonly loadStart: number;
  emit(name: string, value: number | null, unit: string, params: Record<string, unknown>): void;
}

/** Starts a measurement: call before the timed work, emit its lines when it ends. */
export function measure(): Measurement {
  const loadStart = loadNow();
  return {
    loadStart,
    emit(name, value, unit, params) {
      emitLine(name, value, unit, { ...params, cores: availableParallelism(), load_start: loadStart, load_end: loadNow() });
    },
  };
}

export function emitLine(name: string, value: number | null, unit: string, params: Record<string, unknown>): void {
  const rounded = value === null || !Number.isFinite(value) ? null : Math.abs(value) >= 100 ? Math.round(value * 10) / 10 : Math.round(value * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({ name, value: rounded, unit, params })}\n`);
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

export function numArg(name: string, fallback: number): number {
  return Number(arg(name, String(fallback)));
}
