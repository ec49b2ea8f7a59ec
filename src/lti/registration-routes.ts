import express, { type Router } from 'express';
import { z } from 'zod';
import { renderPage } from '../http';
import { scriptUrl } from './launch-routes';
import { refuse, refusalOf } from './refusals';
import { registerDynamically } from './registration';
import { registrationKeyAccepted } from './registration-gate';
import type { LtiRuntime } from './runtime';
import { canvasJsonConfiguration } from './tool-config';
import { publicRoute } from '../http';

const registrationQuery = z.object({ openid_configuration: z.string().min(1), registration_token: z.string().optional() });

/** The browser script of the LTI pages (the CSP forbids inline scripts). */
const SCRIPT = `(function () {
  'use strict';
  var form = document.querySelector('form[data-lti-autosubmit]');
  if (form) form.submit();
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-lti-close]');
    if (!button) return;
    // LTI Dynamic Registration: tell the LMS the registration window can close.
    (window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
  });
})();
`;

/** Installation: Dynamic Registration, Canvas's JSON configuration, and the pages' script. */
export function installationRoutes(rt: LtiRuntime): Router {
  const router = express.Router();
  router.get('/assets/lti.js', publicRoute(), (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'public, max-age=300').send(SCRIPT);
  });

  router.get('/canvas.json', publicRoute('lti:launch'), (_req, res) => {
    res.json(canvasJsonConfiguration(rt.urls));
  });

  // The LMS sends its administrator here (in a frame or window) with openid_configuration and a token.
  router.get('/register', publicRoute('lti:launch'), async (req, res, next) => {
    // Checked before anything else, above all before fetching the URL the caller names: without the key
    // anyone could register an LMS and point Laurel at any address (SSRF).
    if (!registrationKeyAccepted(rt.config.REGISTRATION_KEY, req.query.key)) {
      rt.logger.warn({ reason: 'REGISTRATION_KEY', keyGiven: typeof req.query.key === 'string' }, 'LTI dynamic registration refused');
      return renderPage(res.status(403), 'lti-error', {
        title: 'This registration link is not valid',
        message: 'Laurel only accepts Dynamic Registration through the registration URL that includes its registration key.',
        hint: 'Ask a Laurel administrator for the registration URL (admin console, or `laurel platform registration-url`) and paste it into your LMS.',
        reason: 'REGISTRATION_KEY',
      });
    }
    const query = registrationQuery.safeParse(req.query);
    if (!query.success) {
      return renderPage(res.status(400), 'lti-error', {
        title: 'Start the registration from your LMS',
        message: 'This is Laurel’s LTI Dynamic Registration URL. Paste it into your LMS (Canvas: Developer Keys › + LTI Registration; Moodle: Manage tools › Tool URL), which opens it with the details Laurel needs.',
        hint: 'See the installation guide for the steps.',
        reason: 'MISSING_OPENID_CONFIGURATION',
      });
    }
    try {
      const outcome = await registerDynamically(
        {
          db: rt.db, store: rt.store, keyEncryptionKey: rt.config.KEY_ENCRYPTION_KEY, urls: rt.urls, userAgent: rt.userAgent, fetch: rt.fetch,
          allowHttp: rt.config.NODE_ENV !== 'production',
          status: rt.config.REGISTRATION_APPROVAL === 'manual' ? 'pending' : 'active',
        },
        { openidConfigurationUrl: query.data.openid_configuration, ...(query.data.registration_token ? { registrationToken: query.data.registration_token } : {}) },
      );
      rt.logger.info({ platformId: outcome.platform.id, issuer: outcome.platform.issuer, clientId: outcome.clientId, deploymentId: outcome.deploymentId, lms: outcome.lms }, 'LTI dynamic registration');
      renderPage(res, 'lti-registered', {
        title: 'Laurel is registered',
        platformName: outcome.platform.name,
        issuer: outcome.platform.issuer,
        clientId: outcome.clientId,
        deploymentId: outcome.deploymentId,
        isMoodle: outcome.lms === 'moodle',
        isCanvas: outcome.lms === 'canvas',
        pending: outcome.platform.status === 'pending',
        scriptUrl: scriptUrl(rt),
        embedded: true,
      });
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) return next(error);
      rt.logger.warn({ openidConfiguration: query.data.openid_configuration }, 'LTI dynamic registration failed');
      refuse(req, res, rt.logger, { ...refusal, reason: 'REGISTRATION_FAILED' });
    }
  });
  return router;
}
