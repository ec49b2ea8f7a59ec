// Entry point of a badge credential signing thread (see sign-pool.ts): its own signer and a
// one-connection pool to read the issuer's keys.
import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase } from '../db';
import { isLaurelError } from '../errors';
import type { CredentialSignRequest, CredentialSignResponse, CredentialSignWorkerData } from './sign-pool';
import { createSigner } from './signer';

const data = workerData as CredentialSignWorkerData;
const database = createDatabase({ url: data.config.DATABASE_URL, schema: data.schema, max: 1 });
let signer: ReturnType<typeof createSigner> | undefined;
// Made on first use and again after a failure (no keys yet: a later request may find them).
const signerOf = () => (signer ??= createSigner(database.db, data.config).catch((error: unknown) => {
  signer = undefined;
  throw error;
}));

// One request at a time: signing is CPU-bound, and the canonicalizer learns a document shape on its
// first use; concurrent first uses would each pay the slow stock JSON-LD path.
let queue: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (request: CredentialSignRequest) => {
  queue = queue.then(() => signOne(request));
});

async function signOne(request: CredentialSignRequest): Promise<void> {
  try {
    const output = await (await signerOf()).signSerialized(request.issuerId, request.unsignedJson);
    parentPort!.postMessage({ id: request.id, output } satisfies CredentialSignResponse);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { message: (error as Error).message, code: isLaurelError(error) ? error.code : undefined } } satisfies CredentialSignResponse);
  }
}
