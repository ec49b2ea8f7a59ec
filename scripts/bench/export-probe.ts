// Preloaded (`node -r`) into the `laurel export clr` process the export bench starts: when that process
// exits, writes its own resource usage (peak resident memory of the whole process with its threads,
// CPU time of all threads; getrusage, so nothing is sampled or missed) to BENCH_RUSAGE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, userUs: usage.userCPUTime, systemUs: usage.systemCPUTime }));
  });
}
