# One image for every process; SERVICE picks the entry point (gateway, vps, voucher-integration-service, voucher-service, sms).
FROM node:24-slim
WORKDIR /app
# The service's port listens on every interface (HOST); its operations port (/metrics, /readyz with reasons; ADMIN_PORT,
# by default the port + 1000) stays on the container's loopback (ADMIN_HOST=127.0.0.1) unless a deployment opens it to
# its monitoring network. Secrets come only from the deployment's environment: none is baked into the image.
ENV NODE_ENV=production HOST=0.0.0.0 ADMIN_HOST=127.0.0.1
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
ARG SERVICE
ENV SERVICE=${SERVICE}
USER node
CMD ["sh", "-c", "exec node services/${SERVICE}/src/main.ts"]
