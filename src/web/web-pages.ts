import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Built by `npm run build:web` (web/build.mjs); the same place from src/ and from dist/. */
export const WEB_DIST = join(__dirname, '..', '..', 'web', 'dist');

/** The pages load only their own files and talk only to this server. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const REVALIDATE = 'no-cache';
/** The embed URL never changes, so the script is cached briefly and revalidated by its ETag. */
const EMBED_SCRIPT_CACHE = 'public, max-age=300';
/** Console assets carry a content hash in their names. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';

/**
 * Serves the demo site at `/`, the embeddable `widget.js`, the typed client as `client.js`, and the agent
 * console at `/console`.
 */
export function serveWebPages(app: NestExpressApplication): void {
  if (!existsSync(join(WEB_DIST, 'embed', 'widget.js'))) {
    new Logger('WebPages').warn(
      'The widget and console are not built: run `npm run build:web` (npm start does it)',
    );
  }
  app.useStaticAssets(join(WEB_DIST, 'console', 'assets'), {
    prefix: '/console/assets',
    index: false,
    setHeaders: (response) =>
      response.setHeader('Cache-Control', HASHED_ASSET_CACHE),
  });
  app.use('/console', consolePage);
  app.useStaticAssets(join(WEB_DIST, 'embed'), {
    index: false,
    setHeaders: (response) => {
      response.setHeader('Cache-Control', EMBED_SCRIPT_CACHE);
      // Customers' pages on other origins load these with a plain <script> tag.
      response.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    },
  });
  app.useStaticAssets(join(WEB_DIST, 'demo'), {
    index: 'index.html',
    setHeaders: (response, path) => {
      response.setHeader('Cache-Control', REVALIDATE);
      if (path.endsWith('.html')) {
        response.setHeader('Content-Security-Policy', PAGE_CSP);
      }
    },
  });
}

function consolePage(request: Request, response: Response, next: NextFunction) {
  if (request.path !== '/' || !['GET', 'HEAD'].includes(request.method)) {
    return next();
  }
  response.setHeader('Cache-Control', REVALIDATE);
  response.setHeader('Content-Security-Policy', PAGE_CSP);
  response.sendFile(join(WEB_DIST, 'console', 'index.html'), (error) => {
    if (error) next();
  });
}
