# Build: compile TypeScript with the dev dependencies, then keep only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs `prepare`, which has no sources to build yet: the build comes below.
COPY scripts/prepare.sh ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY bench ./bench
COPY config ./config
RUN npm run build && npm prune --omit=dev

# Run: no compiler, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# Read at run time: the batch store's Redis scripts, the dashboard's page.
COPY src/queue/lua ./src/queue/lua
COPY src/cli/dashboard-page ./src/cli/dashboard-page
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["worker"]
