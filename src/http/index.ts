// The HTTP kit: what every feature's web adapter may import (handlers, validation, auth, problem
// errors, rate limits, views, CSRF, uploads). It knows no feature; the composition root (src/app)
// mounts the features' adapters.
export { apiScope, inApiScope, requireToken, tokenActor, type ApiScope } from './auth';
export { validateBody, validateQuery, handle } from './validate';
export { publicRateLimit, type RateLimitOptions } from './rate-limit';
export { lazyRateLimit } from './lazy-rate-limit';
export { renderPage, renderToString, type PageData } from './views';
export { statusOf, errorHandler, notFound, logProblem, problemOf } from './errors';
export { issueOperatorSession, readOperatorSession, requireOperator } from './admin-session';
export { declare, declaredPermission, permit, publicRoute, type Declared } from './permission';
export { protocolError, openCors, validateProtocolBody } from './protocol-error';
export {
  apiRoute,
  idParam,
  pageQuery,
  problemSchema,
  describeApiOperation,
  describedOperations,
  type ApiOperation,
  type ApiCall,
  type ApiReply,
  type HttpMethod,
} from './api-route';
export { CsrfTokens, actorOf, sessionOf } from './csrf';
export {
  multipartForm,
  uploadsOf,
  explainMissingUploads,
  formatBytes,
  tooLargeMessage,
  type ParsedForm,
  type UploadedFile,
  type MultipartOptions,
} from './multipart';
export { securityHeaders } from './security';
export { FrameAncestors, type FrameAncestorsOptions, type FramingPlatform, type FramingPlatforms } from './frame-ancestors';
