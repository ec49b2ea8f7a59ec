// Validates an OpenAPI document read from stdin with @seriousme/openapi-schema-validator and prints
// {"valid": bool, "errors": ...}. A separate process because the validator is ESM-only and reads
// its own schemas through import.meta.url, which jest's CommonJS transform cannot provide.
import { Validator } from '@seriousme/openapi-schema-validator';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? null }));
