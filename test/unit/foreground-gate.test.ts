import { ForegroundGate } from '../../src/queue/workers';
import { laneOf } from '../../src/queue/job';

describe('ForegroundGate', () => {
  it('lets background work through at once when no foreground job runs', async () => {
    const gate = new ForegroundGate();
    const start = Date.now();
    expect(await gate.idle(5000)).toBe(false);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('holds background work until the last foreground job ends', async () => {
    const gate = new ForegroundGate();
    let release!: () => void;
    const running = [gate.run(() => new Promise<void>((resolve) => (release = resolve))), gate.run(async () => 'quick')];
    expect(gate.active).toBe(2);
    let passed = false;
    const waiting = gate.idle(5000).then((timedOut) => {
      passed = true;
      return timedOut;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passed).toBe(false);
    release();
    expect(await waiting).toBe(false);
    await Promise.all(running);
    expect(gate.active).toBe(0);
  });

  it('holds it at most maxWaitMs when foreground work never pauses, and counts a failed job as ended', async () => {
    const gate = new ForegroundGate();
    let release!: () => void;
    const running = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const start = Date.now();
    expect(await gate.idle(80)).toBe(true);
    expect(Date.now() - start).toBeGreaterThanOrEqual(75);
    release();
    await running;
    await expect(gate.run(async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
    expect(gate.active).toBe(0);
  });

  it('puts evaluate and issue jobs in the foreground, the other queues in the background, unless a job says', () => {
    expect(laneOf({ queue: 'evaluate' })).toBe('foreground');
    expect(laneOf({ queue: 'issue' })).toBe('foreground');
    for (const queue of ['notify', 'poll', 'import', 'export', 'maintenance'] as const) expect(laneOf({ queue })).toBe('background');
    expect(laneOf({ queue: 'evaluate', lane: 'background' })).toBe('background');
    expect(laneOf({ queue: 'notify', lane: 'foreground' })).toBe('foreground');
  });
});
