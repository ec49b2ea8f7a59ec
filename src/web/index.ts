export { createApp } from './app';
export { apiScope, inApiScope, requireToken, tokenActor, type ApiScope } from './auth';
export { validateBody, validateQuery, handle } from './validate';
export { publicRateLimit } from './rate-limit';
export { renderPage, renderToString, type PageData } from './views';
export { statusOf } from './errors';
export { issueOperatorSession, readOperatorSession, requireOperator } from './admin-session';
export { declare, declaredPermission, permit, publicRoute, type Declared } from './permission';
