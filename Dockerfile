# The image config/kubernetes/ runs (ghcr.io/tsunagi/tsunagi):
#   docker build -t ghcr.io/tsunagi/tsunagi:latest .
# Build stage: install, compile and bundle. Runtime stage: the bundle, the
# production node_modules (only the native snappy addon is loaded from there;
# everything else is in the bundle) and the example configs.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# npm install, as .ci/run does (npm ci refuses this lock file over other platforms' optional biome binaries)
RUN npm install --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/tsunagi.mjs ./dist/tsunagi.mjs
# the encode workers' script (src/exporterhelper/encode-pool.ts), found next to the binary
COPY --from=build /src/dist/tsunagi-encode-worker.mjs ./dist/tsunagi-encode-worker.mjs
COPY config ./config
# the zpages status page's files (HTML, CSS, one script), read at start
COPY extensions/zpages/web ./extensions/zpages/web
# the gateway manifest runs as 10001; the DaemonSet as root (pod log files are 0640 root)
USER 10001
EXPOSE 4317 4318 14250 14268 13133 8888 55679
ENTRYPOINT ["node", "/app/dist/tsunagi.mjs"]
CMD ["--config=/app/config/default.yaml"]
