import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { FrameAncestors } from './frame-ancestors';

/**
 * Security headers. Laurel lives in LMS iframes, so instead of X-Frame-Options it sends a CSP
 * `frame-ancestors` naming the LMS origins (FRAME_ANCESTORS plus registered platforms). Scripts and
 * styles only from our own origin: no inline code anywhere, so an injected string cannot run.
 */
export function securityHeaders(config: Config, ancestors: FrameAncestors): RequestHandler {
  const frameAncestors = config.FRAME_ANCESTORS.split(/\s+/).filter(Boolean);
  // LTI answers (deep-linking responses) are form posts to the platform, so forms may target the LMS.
  const formTargets = ["'self'", ...frameAncestors.filter((a) => a !== "'self'"), ...(config.NODE_ENV === 'production' ? ['https:'] : ['https:', 'http:'])];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: formTargets,
        frameAncestors: [(req) => ancestors.forRequest(req)],
        ...(config.BASE_URL.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: false,
    // Public badge images and JSON are meant to be embedded and fetched from anywhere.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    hsts: config.BASE_URL.startsWith('https:'),
  });
}
