import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { StandardsState } from '../standards';

/** Fetches a JSON Schema by its id; pluggable so verification never reaches the network by itself. */
export interface SchemaLoader {
  load(id: string): Promise<object | undefined>;
  /**
   * Why this loader has no schemas at all (e.g. the standards data cache is missing, with the command
   * that fills it), or undefined when it has them. Lets a verifier say why a check did not run.
   */
  unavailable?(): string | undefined;
}

/** Schemas from the standards data cache (src/standards); `unavailable()` names the missing file. */
export function standardsSchemaLoader(state: StandardsState): SchemaLoader {
  return {
    async load(id) {
      return state.available ? state.data.schemas.get(id) : undefined;
    },
    unavailable: () => (state.available ? undefined : state.message),
  };
}

/** Loads `*.json` schemas of a directory, matched by their `$id` (read once, lazily). */
export function directorySchemaLoader(dirs: string[]): SchemaLoader {
  let byId: Map<string, object> | undefined;
  return {
    async load(id) {
      if (!byId) {
        byId = new Map();
        for (const dir of dirs.filter((d) => existsSync(d))) {
          for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
            const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { $id?: string };
            if (schema.$id) byId.set(schema.$id, schema);
          }
        }
      }
      return byId.get(id);
    },
  };
}

export interface SchemaResult {
  ok: boolean;
  /** False when no loader knew the schema (the check is then reported, not failed). */
  available: boolean;
  errors: string[];
}

export interface SchemaValidator {
  validate(schemaId: string, document: unknown): Promise<SchemaResult>;
}

/** ajv draft 2019-09 with formats; compiled validators are cached per schema id. */
export function createSchemaValidator(loader: SchemaLoader): SchemaValidator {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, Promise<ValidateFunction | undefined>>();
  async function compile(id: string): Promise<ValidateFunction | undefined> {
    const schema = await loader.load(id);
    if (!schema) return undefined;
    return ajv.getSchema(id) ?? ajv.compile(schema);
  }
  return {
    async validate(schemaId, document) {
      let fn = compiled.get(schemaId);
      if (!fn) {
        fn = compile(schemaId);
        compiled.set(schemaId, fn);
      }
      const validate = await fn;
      if (!validate) return { ok: false, available: false, errors: [loader.unavailable?.() ?? `schema ${schemaId} is not available offline`] };
      const ok = validate(document) as boolean;
      return { ok, available: true, errors: (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()) };
    },
  };
}
