#!/usr/bin/env node
/**
 * The `strand` command.
 *
 *     strand start <app.ts|app.js> [--schedulers N] [--watch] [--shutdown-ms MS]
 *     strand start --config strand.config.js [--env production] [--name app]
 *     strand ps|top|info|kill|tree|reload [--url http://127.0.0.1:4000] [--token T] [--json]
 *
 * A TypeScript module runs under tsx: when this process has no TypeScript
 * loader, it runs itself again under one (and passes signals on). The
 * other commands talk to a running application's observer: they are
 * @strand/observer's (`@strand/observer/cli`), run as they are.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { StrandError } from '@strand/core';
import { isObserverCommand, observerUsage, runObserverCommand } from '@strand/observer/cli';
import { DEFAULT_READY_TIMEOUT_MS, DEFAULT_SHUTDOWN_MS, type EcosystemApp, InvalidConfigError, type StartOptions, fromEcosystem } from './ecosystem.js';
import { start } from './start.js';

const USAGE = `usage:
  strand start <app.ts|app.js> [--schedulers N] [--watch] [--shutdown-ms MS]
  strand start --config strand.config.js [--env NAME] [--name APP]
${observerUsage('strand')}`;

if (isObserverCommand(process.argv[2])) process.exit(await runObserverCommand(process.argv.slice(2)));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    env: { type: 'string' },
    name: { type: 'string' },
    schedulers: { type: 'string' },
    watch: { type: 'boolean', default: false },
    'shutdown-ms': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

// `pid` in a log line is a Strand process's; the OS process is `ospid`.
const log = pino({ base: { ospid: process.pid } });
try {
  if (values.help || positionals[0] !== 'start') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const options = await startOptions();
  if (/\.[mc]?ts$/.test(options.script) && !underTypeScriptLoader()) {
    rerunUnderTsx();
  } else {
    const running = await start(options, log);
    // Run by `strand` itself under tsx (or by a process manager over IPC): a parent that goes, even by SIGKILL, stops us too.
    const events = process.connected ? (['SIGINT', 'SIGTERM', 'disconnect'] as const) : (['SIGINT', 'SIGTERM'] as const);
    for (const signal of events) {
      process.once(signal, () => {
        running.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            log.error({ error: String(error) }, 'stop failed');
            process.exit(1);
          },
        );
      });
    }
  }
} catch (error) {
  log.fatal({ code: error instanceof StrandError ? error.code : undefined, error: error instanceof Error ? error.message : String(error) }, 'could not start');
  process.exitCode = 1;
}

async function startOptions(): Promise<StartOptions> {
  if (values.config !== undefined) {
    const config = (await import(pathToFileURL(resolve(values.config)).href)) as { default?: { apps?: EcosystemApp[] } };
    const apps = config.default?.apps ?? [];
    const app = values.name === undefined ? apps[0] : apps.find((a) => a.name === values.name);
    if (app === undefined) throw new InvalidConfigError(`${values.config}: no app${values.name === undefined ? '' : ` named ${values.name}`} in export default { apps: [...] }`);
    const options = fromEcosystem(app, values.env);
    return { ...options, script: resolve(resolve(values.config, '..'), options.script), watch: options.watch || values.watch === true };
  }
  const script = positionals[1];
  if (script === undefined) throw new InvalidConfigError(`no application module given\n${USAGE}`);
  const schedulers = values.schedulers === undefined ? undefined : Number(values.schedulers);
  if (schedulers !== undefined && !(Number.isInteger(schedulers) && schedulers >= 1)) throw new InvalidConfigError(`--schedulers: a positive integer; got ${values.schedulers}`);
  const shutdownMs = values['shutdown-ms'] === undefined ? DEFAULT_SHUTDOWN_MS : Number(values['shutdown-ms']);
  if (!(shutdownMs > 0)) throw new InvalidConfigError(`--shutdown-ms: a positive number; got ${values['shutdown-ms']}`);
  return { script, ...(schedulers === undefined ? {} : { schedulers }), readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS, shutdownMs, watch: values.watch === true, env: {} };
}

function underTypeScriptLoader(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /\btsx\b/.test(arg));
}

/** Runs this command again under tsx; its exit is ours, and signals go to it. */
function rerunUnderTsx(): void {
  const child = spawn(process.execPath, [...process.execArgv, '--import', import.meta.resolve('tsx'), ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
}
