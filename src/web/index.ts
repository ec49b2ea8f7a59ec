export { createApp } from './app';
export { requireToken, tokenActor } from './auth';
export { validateBody, validateQuery, handle } from './validate';
export { publicRateLimit } from './rate-limit';
export { renderPage, renderToString, type PageData } from './views';
export { statusOf } from './errors';
export { issueAdminSession, requireAdmin } from './admin-session';
export { protocolError, openCors, validateProtocolBody } from './protocol-error';
export { lazyRateLimit } from './lazy-rate-limit';
