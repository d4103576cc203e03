# syntax=docker/dockerfile:1
# splitstat image: `docker build -t splitstat:0.1.0 .` (tag = package.json version, which
# deploy/deployment.yaml refers to). Two stages so the image carries neither the TypeScript
# toolchain nor the dev dependencies. test/packaging/dockerfile-steps.test.ts runs these same
# steps outside Docker, so keep to COPY, RUN (cache mounts only), ENV, WORKDIR, USER, EXPOSE,
# ENTRYPOINT and CMD (exec form).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first: the dependency layer is rebuilt only when they change, not on every edit.
COPY package.json package-lock.json ./
# A cache mount keeps npm's download cache out of the layer without an `npm cache clean`.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS runtime
# production: no dev-only code paths; also makes `npm ci` below skip dev dependencies.
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Read at start-up, relative to dist/: the GraphQL SDL and package.json (for the version);
# the live page's files, read when the page is first asked for.
COPY schema ./schema
COPY ui ./ui
# Files above stay owned by root, so the process cannot modify its own code. A numeric UID lets
# Kubernetes check runAsNonRoot without an /etc/passwd entry. The process writes nothing outside
# /tmp, so the root filesystem can be mounted read-only (deploy/ mounts an emptyDir at /tmp).
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
