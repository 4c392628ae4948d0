import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RestartReport } from '@strand/otp';
import type { Runtime } from '@strand/pool';

/** Buckets of `strand_http_request_duration_seconds` (s): 1 ms to 10 s, a request's useful range. */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One finished HTTP request, as `@strand/http`'s `onRequestEnd` gives it. */
export interface HttpRequestTiming {
  readonly method: string;
  /** The matched route's pattern (`/users/:id`); absent or undefined when no route matched. */
  readonly route?: string | undefined;
  readonly status: number;
  readonly seconds: number;
}

/** The runtime's figures in Prometheus form; each scrape reads `rt.stats()` afresh. */
export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly restarts: Counter<'supervisor'>;

  constructor(rt: Runtime) {
    const labelled = (t: { index: number }) => ({ scheduler: String(t.index) });
    new Gauge({
      name: 'strand_processes',
      help: 'Live processes, per scheduler (0 is the main thread)',
      labelNames: ['scheduler'],
      registers: [this.registry],
      async collect() {
        for (const t of await rt.stats()) this.set(labelled(t), t.processes);
      },
    });
    new Gauge({
      name: 'strand_run_queue',
      help: 'Processes ready to run, per scheduler',
      labelNames: ['scheduler'],
      registers: [this.registry],
      async collect() {
        for (const t of await rt.stats()) this.set(labelled(t), t.runQueue);
      },
    });
    new Counter({
      name: 'strand_reductions_total',
      help: 'Reductions run since the scheduler started, per scheduler',
      labelNames: ['scheduler'],
      registers: [this.registry],
      async collect() {
        // A scheduler's own running total: reset to it rather than adding, so scrapes never double count.
        this.reset();
        for (const t of await rt.stats()) this.inc(labelled(t), t.reductions);
      },
    });
    new Gauge({
      name: 'strand_scheduler_utilization',
      help: 'Event-loop utilisation of each scheduler thread over its last measuring interval, 0 to 1',
      labelNames: ['scheduler'],
      registers: [this.registry],
      async collect() {
        for (const t of await rt.stats()) this.set(labelled(t), t.utilisation);
      },
    });
    this.httpDuration = new Histogram({
      name: 'strand_http_request_duration_seconds',
      help: 'HTTP request durations reported through observer.recordHttpRequest',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.restarts = new Counter({
      name: 'strand_process_restarts_total',
      help: 'Children restarted by supervisors since the observer started, per supervisor actor',
      labelNames: ['supervisor'],
      registers: [this.registry],
    });
  }

  recordHttpRequest(timing: HttpRequestTiming): void {
    // An empty label is Prometheus's "no value": requests no route matched.
    this.httpDuration.observe({ method: timing.method, route: timing.route ?? '', status: String(timing.status) }, timing.seconds);
  }

  recordRestart(report: RestartReport): void {
    this.restarts.inc({ supervisor: report.actor });
  }
}
