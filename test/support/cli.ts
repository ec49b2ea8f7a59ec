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

/**
 * Points the CLI at one schema (a suite's own) through DATABASE_URL, as a user's environment would;
 * the returned function puts the previous URL back.
 */
export function pointCliAtSchema(schema: string): () => void {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = `${saved}${saved!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return () => {
    process.env.DATABASE_URL = saved;
  };
}
