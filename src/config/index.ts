import { configSchema, type Config } from './schema';

export type { Config } from './schema';

/** Thrown when the environment does not describe a runnable Laurel. `message` is one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates an environment into a typed configuration. Fails on the first bad variable with one
 * line naming it and what is expected, so an operator can fix it without reading code.
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const given = env[variable];
  const shown = given === undefined ? 'it is not set' : `got "${redact(variable, given)}"`;
  const expected = issue.code === 'invalid_type' && given === undefined ? 'a value is required' : issue.message;
  throw new ConfigError(`Invalid configuration: ${variable}: ${expected} (${shown})`);
}

function redact(variable: string, value: string): string {
  if (/SECRET|KEY|PASSWORD|TOKEN/.test(variable)) return '<redacted>';
  if (/_URL$/.test(variable)) return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:<redacted>@');
  return value.length > 80 ? `${value.slice(0, 80)}...` : value;
}

/** Loads `.env` (without overriding the real environment) and parses it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // dotenv only fills what the environment leaves unset: production passes real variables.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('dotenv').config({ quiet: true });
  return parseConfig(env);
}
