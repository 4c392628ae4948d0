/**
 * `strand.config.js`: PM2's `ecosystem.config.js`, read with each option's
 * meaning here (see the package README's table). Unknown options are an
 * error, not silently ignored: an option PM2 honours and Strand does not
 * would otherwise look like it works.
 *
 * ```js
 * export default { apps: [{ script: 'app.ts', instances: 2, kill_timeout: 3000, max_memory_restart: '512M',
 *                           env: { PORT: 3000 }, env_production: { NODE_ENV: 'production' } }] };
 * ```
 */
import { StrandError } from '@strand/core';

export interface EcosystemApp {
  readonly name?: string;
  readonly script: string;
  /** Scheduler threads ('max' or -1: one per core). PM2: worker processes. */
  readonly instances?: number | 'max';
  readonly exec_mode?: 'cluster' | 'fork';
  /** Wait for the app's `ready` before it counts as started. */
  readonly wait_ready?: boolean;
  /** How long to wait for readiness, ms. */
  readonly listen_timeout?: number;
  /** How long a graceful stop may take before what is left is killed, ms. */
  readonly kill_timeout?: number;
  /** Heap limit per scheduler thread ('512M', '1G' or bytes). PM2: restart the worker past this RSS. */
  readonly max_memory_restart?: string | number;
  /** Supervision restarts crashed processes; false is refused (there is nothing to turn off). */
  readonly autorestart?: boolean;
  /** One log stream: always, here. */
  readonly merge_logs?: boolean;
  readonly watch?: boolean;
  readonly env?: Readonly<Record<string, string | number>>;
  readonly [envName: `env_${string}`]: Readonly<Record<string, string | number>> | undefined;
}

/** What `strand start` runs with, from the command line or a config file. */
export interface StartOptions {
  readonly script: string;
  readonly schedulers?: number;
  readonly readyTimeoutMs: number;
  readonly shutdownMs: number;
  readonly threadHeapMb?: number;
  readonly watch: boolean;
  readonly env: Readonly<Record<string, string>>;
}

/** The config file is not one `strand start` can honour as it stands. */
export class InvalidConfigError extends StrandError {
  constructor(message: string) {
    super('ERR_STRAND_INVALID_CONFIG', message);
  }
}

/** PM2's default `listen_timeout` (ms). */
export const DEFAULT_READY_TIMEOUT_MS = 3_000;
/** PM2's default `kill_timeout` (ms). */
export const DEFAULT_SHUTDOWN_MS = 1_600;

const KNOWN = new Set([
  'name', 'script', 'instances', 'exec_mode', 'wait_ready', 'listen_timeout', 'kill_timeout',
  'max_memory_restart', 'autorestart', 'merge_logs', 'watch', 'env',
]);

/** The options of `app`, with `env` and then `env_<environment>` applied. */
export function fromEcosystem(app: EcosystemApp, environment?: string): StartOptions {
  for (const key of Object.keys(app)) {
    if (!KNOWN.has(key) && !key.startsWith('env_')) throw new InvalidConfigError(`option ${key} is not one strand start knows (see @strand/cli's README for PM2's options and their meaning here)`);
  }
  if (typeof app.script !== 'string' || app.script === '') throw new InvalidConfigError('script: the application module to run');
  if (app.autorestart === false) throw new InvalidConfigError('autorestart: false — crashed processes are restarted by their supervisors; give them restart: "temporary" instead');
  const instances = app.instances === 'max' || app.instances === -1 || app.instances === undefined ? undefined : app.instances;
  if (instances !== undefined && !(Number.isInteger(instances) && instances >= 1)) throw new InvalidConfigError(`instances: a number of scheduler threads, or 'max'; got ${String(app.instances)}`);
  const chosen = environment === undefined ? undefined : app[`env_${environment}`];
  if (environment !== undefined && chosen === undefined) throw new InvalidConfigError(`no env_${environment} in the config`);
  const env = Object.fromEntries(Object.entries({ ...(app.env ?? {}), ...(chosen ?? {}) }).map(([k, v]) => [k, String(v)]));
  return {
    script: app.script,
    ...(instances === undefined ? {} : { schedulers: instances }),
    readyTimeoutMs: positive('listen_timeout', app.listen_timeout) ?? DEFAULT_READY_TIMEOUT_MS,
    shutdownMs: positive('kill_timeout', app.kill_timeout) ?? DEFAULT_SHUTDOWN_MS,
    ...(app.max_memory_restart === undefined ? {} : { threadHeapMb: megabytes(app.max_memory_restart) }),
    watch: app.watch === true,
    env,
  };
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && value > 0)) throw new InvalidConfigError(`${name}: a positive number of ms; got ${String(value)}`);
  return value;
}

/** PM2's memory sizes: '512M', '1G', '300K', or bytes. */
export function megabytes(size: string | number): number {
  if (typeof size === 'number' && size > 0) return Math.ceil(size / 1_048_576);
  const match = typeof size === 'string' ? /^(\d+(?:\.\d+)?)\s*([KMG])B?$/i.exec(size.trim()) : null;
  if (match === null) throw new InvalidConfigError(`max_memory_restart: a size such as '512M' or '1G'; got ${String(size)}`);
  const unit = { K: 1 / 1024, M: 1, G: 1024 }[match[2]!.toUpperCase() as 'K' | 'M' | 'G'];
  return Math.max(16, Math.ceil(Number(match[1]) * unit));
}
