# One image, two entrypoints: the media node (default) and the operator.
#   docker build -t mediafleet:dev .
#   docker run --rm -p 8117:8117 -p 8118:8118/udp mediafleet:dev                      # media node
#   docker run --rm mediafleet:dev node /app/dist/operator/main.js                     # operator
# Not built in this repository's CI (no Docker engine there); the tests run the same entrypoints.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The pinned `node` dev dependency is not needed inside an image that already is Node 24.
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json ./
COPY common ./common
COPY media-node ./media-node
COPY operator ./operator
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY media-node/http/pages ./dist/media-node/http/pages
# The CRD this build serves: the chart's pre-upgrade hook applies it (dist/operator/crdUpgrade.js).
COPY crds ./crds
# The numeric user matches the securityContext the operator writes (runAsUser 10001).
RUN groupadd --system --gid 10001 mediafleet && useradd --system --uid 10001 --gid 10001 --no-create-home mediafleet
USER 10001:10001
EXPOSE 8117/tcp 8118/udp 9998/tcp 9999/tcp
CMD ["node", "/app/dist/media-node/main.js", "--config", "/etc/mediafleet/media-node.yaml"]
