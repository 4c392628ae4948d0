/**
 * The observer's end of @strand/otp's restart reports: an inbox registered
 * as `RESTART_REPORTS_NAME`, to which every supervisor on every thread
 * sends one `RestartReport` per restart. One name per runtime, so one
 * observer per runtime counts restarts; a second one says so on stderr
 * and counts nothing.
 */
import { NameTakenError, TIMEOUT } from '@strand/core';
import { RESTART_REPORTS_NAME, type RestartReport, isRestartReport } from '@strand/otp';
import type { Runtime } from '@strand/pool';

/** Calls `record` with each restart report until `close()` (which also frees the name). */
export function receiveRestartReports(rt: Runtime, record: (report: RestartReport) => void): { close(): void } {
  const inbox = rt.inbox();
  try {
    rt.register(RESTART_REPORTS_NAME, inbox.pid);
  } catch (error) {
    inbox.close();
    if (!(error instanceof NameTakenError)) throw error;
    process.stderr.write(`[strand/observer] another process holds ${JSON.stringify(RESTART_REPORTS_NAME)}: this observer does not count restarts\n`);
    return { close: () => {} };
  }
  void (async () => {
    for (;;) {
      const message = await inbox.receive();
      if (message === TIMEOUT) return;
      if (isRestartReport(message)) record(message);
    }
  })();
  return { close: () => inbox.close() };
}
