import { LaurelError } from '../errors';

/**
 * An error whose response body must carry the `error` code an OAuth 2.0 / OpenID4VCI specification
 * names (`invalid_grant`, `invalid_proof`, ...). The error middleware spreads `details` into the
 * problem document, so clients find `error` and `error_description` where the specification puts
 * them; 401 codes (`invalid_client`, `invalid_token`) map to ERR_UNAUTHENTICATED.
 */
export function protocolError(error: string, description: string, options: { unauthenticated?: boolean; cause?: unknown; extra?: Record<string, unknown> } = {}): LaurelError {
  return new LaurelError(options.unauthenticated ? 'ERR_UNAUTHENTICATED' : 'ERR_PROTOCOL', description, {
    cause: options.cause,
    details: { error, error_description: description, ...options.extra },
  });
}

/** Wallets and backpacks may run in browsers on other origins: bearer-token endpoints allow any origin (no cookies). */
export function openCors(methods: string): import('express').RequestHandler {
  return (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Expose-Headers', 'Link, X-Total-Count, WWW-Authenticate');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', methods);
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP');
      res.set('Access-Control-Max-Age', '600');
      return res.status(204).end();
    }
    next();
  };
}

/**
 * `validateBody` for protocol endpoints: a body that does not parse is answered with the error code
 * the specification names for malformed requests (`invalid_request`, `invalid_client_metadata`,
 * `invalid_credential_request`) instead of a 422.
 */
export function validateProtocolBody<S extends import('zod').ZodType>(schema: S, error: string): import('express').RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req.body ?? {});
    if (!result.success) {
      const issue = result.error.issues[0]!;
      return next(protocolError(error, `${issue.path.join('.') || 'body'}: ${issue.message}`));
    }
    req.body = result.data;
    next();
  };
}
