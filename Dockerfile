# syntax=docker/dockerfile:1
# Laurel: one image, two roles (ROLE=web or ROLE=worker; ROLE=all runs both in one process).
# Built with the same commands set-up uses: `npm install --no-save` (locked versions) then `npm run build`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY test/emulator ./test/emulator
RUN npm run build && npm prune --omit=dev

# Standards data (OB 3.0 / CLR 2.0 JSON Schemas, CLR 2.0.1 JSON-LD context): downloaded from their
# canonical 1EdTech URLs (purl.imsglobal.org) and accepted only if the SHA-256 of each file's RFC 8785
# canonical JSON equals the hash pinned in src/standards/manifest.ts. No offline source exists in the
# build context, so a network failure or a changed file fails the build: an image never ships without
# the data (production start-up refuses to run without it anyway). The runtime image takes only the
# checked files from this stage, as a layer of their own.
FROM build AS standards
RUN node dist/src/cli/main.js standards fetch --dir /app/.data/standards --offline-dir '' --timeout 30000 \
 && node dist/src/cli/main.js standards check --dir /app/.data/standards

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production ROLE=all PORT=3000
WORKDIR /app
# tini reaps zombies and forwards SIGTERM so graceful shutdown runs.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Read-only at run time: STANDARDS_DIR defaults to /app/.data/standards.
COPY --from=standards /app/.data/standards ./.data/standards
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node migrations ./migrations
COPY --chown=node:node views ./views
COPY --chown=node:node config ./config
COPY --chown=node:node integrations ./integrations
# Writable state of the process itself (transcript exports; mail capture is off in production): the
# standards layer above stays root-owned and read-only.
RUN mkdir -p /app/.data/exports && chown node:node /app/.data/exports
USER node
EXPOSE 3000
# Web replicas answer /readyz; worker replicas have no HTTP port, so they check the process only.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "if(process.env.ROLE==='worker')process.exit(0);require('http').get('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
