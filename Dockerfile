# syntax=docker/dockerfile:1
# revocation-gateway: the build stage compiles the service with the full toolchain, and the
# runtime stage ships only dist/, package.json and the production dependencies.
#
# Both stages use one exact Node 24 LTS release on Debian 12 (bookworm) slim. To pin the
# image bytes as well as the tag, look up the digest and pass it in:
#   docker buildx imagetools inspect node:24.18.0-bookworm-slim    # prints "Digest: sha256:..."
#   docker build --build-arg NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:<digest> .
ARG NODE_IMAGE=node:24.18.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The manifest and lock file come first, so this layer is rebuilt only when they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
# The files stay owned by root, so the service user can read them but not change them.
# package.json is needed at run time: the service reads its name and version from it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# 1000:1000 is the "node" user of the official Node images. A numeric USER lets Kubernetes
# enforce runAsNonRoot even when the pod does not set runAsUser.
USER 1000:1000
EXPOSE 4000
# Node's built-in fetch, so the image needs no curl or wget. It assumes the service listens on
# 127.0.0.1, which the default HOST=0.0.0.0 includes. Kubernetes ignores HEALTHCHECK and uses
# the probes in deploy/kubernetes instead.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself. It drains for up to SHUTDOWN_GRACE_MS
# (25 s by default), which is longer than `docker stop`'s default 10 s, so stop it with -t 30.
CMD ["node", "dist/main.js"]
