/**
 * What the runtime says on stderr when nobody else is told: a process that
 * crashed (unless `onCrash` is given), and an envelope that could not be
 * delivered. A module that cannot load is said once, however many spawns
 * of it fail the same way.
 */
import { type CrashReport, type Pid, formatPid } from '@strand/core';
import type { ThreadEvent } from './thread-protocol.js';

export class CrashLog {
  /** Modules whose failure to load has been logged: one line each. */
  private readonly loggedLoadFailures = new Set<string>();

  constructor(private readonly onCrash: ((report: CrashReport) => void) | undefined) {}

  crashed(report: CrashReport): void {
    if (this.onCrash !== undefined) {
      this.onCrash(report);
      return;
    }
    const reason = report.reason;
    if (typeof reason === 'object' && 'error' in reason && reason.error.name === 'ModuleLoadError') {
      // The message names the module, the cause and the fix; every spawn of it fails the same way.
      if (this.loggedLoadFailures.has(reason.error.message)) return;
      this.loggedLoadFailures.add(reason.error.message);
      process.stderr.write(`[strand] ${reason.error.message}\n`);
      return;
    }
    const detail = typeof reason === 'object' && 'error' in reason ? (reason.error.stack ?? reason.error.message) : String(reason);
    process.stderr.write(`[strand] process ${formatPid(report.pid)} (${report.actor}) crashed: ${detail}\n`);
  }

  undeliverable(event: Extract<ThreadEvent, { type: 'undeliverable' }>): void {
    process.stderr.write(`[strand] dropped a ${event.kind} for ${formatPid(event.to as Pid)}: ${event.error}\n`);
  }
}
