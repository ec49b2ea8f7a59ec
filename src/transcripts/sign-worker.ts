// Entry point of a CLR signing thread (see sign-pool.ts). Each thread has its own signer and a
// one-connection pool to read the issuer's keys.
import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase } from '../db';
import { isLaurelError } from '../errors';
import { signClrLine } from './export-line';
import type { SignRequest, SignResponse, SignWorkerData } from './sign-pool';
import { createClrSigner } from './signing';

const data = workerData as SignWorkerData;
const database = createDatabase({ url: data.config.DATABASE_URL, schema: data.schema, max: 1 });
const signer = createClrSigner({ db: database.db, config: data.config, clrContext: data.clrContext });

// One request at a time: signing is CPU-bound anyway, and the canonicalizer learns a document shape
// on its first use; concurrent first uses would each pay the slow stock JSON-LD path.
let queue: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (request: SignRequest) => {
  queue = queue.then(() => answer(request));
});

async function answer(request: SignRequest): Promise<void> {
  let response: SignResponse;
  try {
    if (request.kind === 'line') {
      response = { id: request.id, line: (await signClrLine(signer, request.line)) ?? null };
    } else {
      const signed = await signer.sign(request.issuerId, request.clr);
      response = { id: request.id, credentialJson: JSON.stringify(signed.credential), jws: signed.jws };
    }
  } catch (error) {
    response = { id: request.id, error: { message: (error as Error).message, code: isLaurelError(error) ? error.code : undefined } };
  }
  parentPort!.postMessage(response);
}
