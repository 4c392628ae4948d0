/**
 * @strand/cli: `strand start` and what an application module exports for it. See the package README.
 */
export { defineApp, InvalidAppError, type AppSpec } from './app.js';
export {
  fromEcosystem,
  megabytes,
  InvalidConfigError,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_MS,
  type EcosystemApp,
  type StartOptions,
} from './ecosystem.js';
export { READY_NAME } from './health.js';
