import { buildProgram } from '../../src/cli/main';

/**
 * Runs `laurel ARGS` in-process and returns what it printed on stdout and the exit code it set
 * (commands set `process.exitCode` rather than exiting). stderr is left to the caller (some tests read it).
 */
export async function runCli(...args: string[]): Promise<{ out: string; exitCode: number }> {
  const out: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'laurel', ...args]);
  } finally {
    stdout.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out: out.join(''), exitCode };
}
