/**
 * Every failure caused by bad external input or an unavailable dependency carries a code from this
 * union. The web layer maps codes to HTTP statuses; domain code never knows HTTP.
 */
export type LaurelErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_MALFORMED'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_FORBIDDEN'
  | 'ERR_RATE_LIMITED'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_UNAVAILABLE'
  | 'ERR_LTI_LAUNCH_INVALID'
  | 'ERR_LTI_DEPLOYMENT_UNKNOWN'
  | 'ERR_EVENT_SIGNATURE'
  | 'ERR_EVENT_STALE'
  | 'ERR_EVENT_MALFORMED'
  | 'ERR_CREDENTIAL_INVALID'
  | 'ERR_KEY_UNAVAILABLE'
  | 'ERR_ACHIEVEMENT_NOT_PUBLISHED'
  | 'ERR_AWARD_REVOKED'
  | 'ERR_PROTOCOL'
  | 'ERR_INTERNAL';

const defaultMessages: Record<LaurelErrorCode, string> = {
  ERR_VALIDATION: 'The request is not valid.',
  ERR_MALFORMED: 'The request body could not be parsed.',
  ERR_NOT_FOUND: 'Not found.',
  ERR_CONFLICT: 'The request conflicts with the current state.',
  ERR_UNAUTHENTICATED: 'Authentication is required.',
  ERR_FORBIDDEN: 'You are not allowed to do this.',
  ERR_RATE_LIMITED: 'Too many requests; slow down.',
  ERR_PAYLOAD_TOO_LARGE: 'The request body is too large.',
  ERR_UNSUPPORTED_MEDIA_TYPE: 'This media type is not accepted here.',
  ERR_UNAVAILABLE: 'A service Laurel depends on is unavailable.',
  ERR_LTI_LAUNCH_INVALID: 'The LTI launch could not be verified.',
  ERR_LTI_DEPLOYMENT_UNKNOWN: 'This LTI deployment is not registered with Laurel.',
  ERR_EVENT_SIGNATURE: 'The event signature could not be verified.',
  ERR_EVENT_STALE: 'The event timestamp is outside the accepted window.',
  ERR_EVENT_MALFORMED: 'The event is malformed.',
  ERR_CREDENTIAL_INVALID: 'The credential is not valid.',
  ERR_KEY_UNAVAILABLE: 'No signing key is available.',
  ERR_ACHIEVEMENT_NOT_PUBLISHED: 'This achievement is not published, so it cannot be awarded.',
  ERR_AWARD_REVOKED: 'This award is revoked.',
  ERR_PROTOCOL: 'The request breaks the OAuth 2.0 / OpenID4VCI protocol; `error` names the problem as the specification does.',
  ERR_INTERNAL: 'Something went wrong on our side.',
};

/** One problem with one field of an input, for field-level messages in forms and problem JSON. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface LaurelErrorOptions {
  cause?: unknown;
  /** Field-level problems for validation errors. */
  issues?: FieldIssue[];
  /** Extra members for the problem document (never secrets). */
  details?: Record<string, unknown>;
}

export class LaurelError extends Error {
  override readonly name = 'LaurelError';
  readonly code: LaurelErrorCode;
  readonly issues: FieldIssue[];
  readonly details: Record<string, unknown>;

  constructor(code: LaurelErrorCode, message?: string, options: LaurelErrorOptions = {}) {
    super(message ?? defaultMessages[code], { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
  }
}

export function isLaurelError(error: unknown, code?: LaurelErrorCode): error is LaurelError {
  return error instanceof LaurelError && (code === undefined || error.code === code);
}
