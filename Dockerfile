# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript, then keep production dependencies only.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
COPY packages ./packages
COPY web ./web
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled code, production dependencies, a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=5000 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
# A fixed numeric user, so Kubernetes can check runAsNonRoot (deploy/kubernetes uses 10001).
RUN groupadd --system --gid 10001 gilla \
  && useradd --system --uid 10001 --gid gilla --home /app gilla \
  && mkdir -p /data && chown gilla:gilla /data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/console ./dist/console
COPY package.json ./
COPY bin ./bin
COPY assets ./assets
RUN ln -s /app/bin/gilla.js /usr/local/bin/gilla
USER 10001:10001
EXPOSE 5000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["gilla", "check-health"]
# `docker run gilla migrate up`, `docker run gilla user create …`: the first word is a command.
ENTRYPOINT ["gilla"]
CMD ["serve"]
