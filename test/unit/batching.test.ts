import { GroupCommit } from '../../src/batching';

describe('GroupCommit', () => {
  it('hands items submitted together to one run, and each caller gets its own result', async () => {
    const runs: number[][] = [];
    const commit = new GroupCommit(async (items: number[]) => {
      runs.push(items);
      return items.map((n) => n * 10);
    }, { maxBatch: 100, maxInFlight: 1 });
    const results = await Promise.all([1, 2, 3].map((n) => commit.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('splits at maxBatch, keeps at most maxInFlight runs going, and batches what waited meanwhile', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const commit = new GroupCommit(async (items: number[]) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      sizes.push(items.length);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return items;
    }, { maxBatch: 4, maxInFlight: 2 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(peak).toBe(2);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('with lingerMs, batches items that arrive apart within the window, and sends a full batch at once', async () => {
    const runs: { items: number[]; at: number }[] = [];
    const start = Date.now();
    const commit = new GroupCommit(async (items: number[]) => {
      runs.push({ items, at: Date.now() - start });
      return items;
    }, { maxBatch: 3, maxInFlight: 1, lingerMs: 60 });
    const first = commit.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const second = commit.submit(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(runs[0]!.items).toEqual([1, 2]);
    expect(runs[0]!.at).toBeGreaterThanOrEqual(55);

    const full = Promise.all([3, 4, 5].map((n) => commit.submit(n)));
    const sentAt = Date.now() - start;
    expect(await full).toEqual([3, 4, 5]);
    expect(runs[1]!.items).toEqual([3, 4, 5]);
    // Full: sent without waiting for the window.
    expect(runs[1]!.at - sentAt).toBeLessThan(40);
  });

  it('retries each item alone when a batch fails, so only the bad item fails', async () => {
    const commit = new GroupCommit(async (items: string[]) => {
      if (items.includes('bad')) throw new Error('constraint');
      return items.map((s) => s.toUpperCase());
    }, { maxBatch: 10, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((s) => commit.submit(s)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['A', 'constraint', 'C']);
  });

  it('rejects a run that answers the wrong number of results', async () => {
    const commit = new GroupCommit(async () => [], { maxBatch: 10, maxInFlight: 1 });
    await expect(commit.submit(1)).rejects.toThrow('0 results for 1 items');
  });
});

describe('GroupCommit with gatherMs', () => {
  // Time bounds here are one-sided or far from the interval, so a loaded machine (a slow timer, a GC
  // pause) cannot fail them: only waiting for the interval when it should not, or not waiting when it should.
  it('starts a batch at once when idle (it does not wait for the interval)', async () => {
    const commit = new GroupCommit(async (items: number[]) => items, { maxBatch: 100, maxInFlight: 1, gatherMs: 10_000 });
    const t0 = performance.now();
    expect(await commit.submit(0)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(5_000); // waiting for the interval would take 10 s
  });

  it('under load waits for the interval after a batch, so the items arriving meanwhile go together', async () => {
    const starts: { at: number; size: number }[] = [];
    const t0 = performance.now();
    const commit = new GroupCommit(async (items: number[]) => {
      starts.push({ at: performance.now() - t0, size: items.length });
      return items;
    }, { maxBatch: 100, maxInFlight: 1, gatherMs: 200 });
    await commit.submit(0);
    // 10 items over ~30 ms right after a batch: they wait for the interval and go together.
    const later = [];
    for (let i = 1; i <= 10; i++) {
      later.push(commit.submit(i));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(await Promise.all(later)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(starts.length).toBeLessThanOrEqual(3);
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(199);
    expect(starts.slice(1).reduce((n, s) => n + s.size, 0)).toBe(10);
  });

  it('does not wait when a full batch is queued', async () => {
    const starts: number[] = [];
    const commit = new GroupCommit(async (items: number[]) => {
      starts.push(performance.now());
      return items;
    }, { maxBatch: 5, maxInFlight: 1, gatherMs: 10_000 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(results).toHaveLength(10);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeLessThan(1000);
  });
});
