/**
 * Group commit: callers submit one item each and await its own result, while the items that arrive
 * during the same turn of the event loop, or while earlier batches are in flight, are handed to
 * `run` together. Under load this turns N round trips (and N commits) into one; when idle, an item
 * waits only for the next turn of the event loop.
 *
 * `run` returns one result per item, in order. If a batch fails as a whole, each of its items is
 * retried alone, so one bad item fails only its own caller.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;
  private lastStart = -Infinity;
  private gathering: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: {
      maxBatch: number;
      maxInFlight: number;
      /**
       * Under load, a batch starts no sooner than this many ms after the previous one started (unless
       * `maxBatch` items wait), so batches fill up and share their fixed cost (a statement's planning,
       * a commit). An item that arrives when the last batch started longer ago goes at once, so an
       * idle process adds no latency. Default 0.
       */
      gatherMs?: number;
      /**
       * A batch is formed by time, not by turn of the event loop: the first item waits this long for
       * others (a full batch goes at once). For work whose caller does not wait on it, where fewer,
       * larger batches save more than the milliseconds cost.
       */
      lingerMs?: number;
    },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.options.lingerMs && this.queue.length >= this.options.maxBatch) {
        this.drain();
        return;
      }
      if (!this.scheduled) {
        this.scheduled = true;
        const go = () => {
          this.scheduled = false;
          this.drain();
        };
        if (this.options.lingerMs) setTimeout(go, this.options.lingerMs);
        else setImmediate(go);
      }
    });
  }

  /** Items waiting for a batch (not counting those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const wait = this.lastStart + (this.options.gatherMs ?? 0) - performance.now();
      if (wait > 0 && this.queue.length < this.options.maxBatch) {
        this.gathering ??= setTimeout(() => {
          this.gathering = undefined;
          this.drain();
        }, wait);
        return;
      }
      this.lastStart = performance.now();
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async execute(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new Error(`GroupCommit: ${results.length} results for ${batch.length} items`);
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Retry each alone: the failure belongs to one item (a constraint, a bad value), not to all.
      await Promise.all(
        batch.map(async (entry) => {
          try {
            const [result] = await this.run([entry.item]);
            entry.resolve(result!);
          } catch (single) {
            entry.reject(single);
          }
        }),
      );
    }
  }
}
