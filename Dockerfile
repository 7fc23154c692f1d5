# syntax=docker/dockerfile:1
# crisis-cell: multi-stage build. The runtime image holds only the compiled JS, the
# production dependencies, the configuration and the playbooks; it runs as user `node`.
ARG NODE_VERSION=20

# 1. All dependencies (dev included), cached on the lockfile.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# 2. Compile src/ to dist/ (tsconfig.build.json; `postbuild` copies the web assets).
FROM deps AS build
COPY . .
RUN npm run build && mkdir -p playbooks config

# 3. Production dependencies only.
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 4. Runtime.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    CRISIS_CELL_CONFIG=config/example.yaml
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/config ./config
COPY --from=build --chown=node:node /app/playbooks ./playbooks
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# node is PID 1 and handles SIGTERM itself: workers finish their jobs, then it exits.
CMD ["node", "dist/main.js"]
