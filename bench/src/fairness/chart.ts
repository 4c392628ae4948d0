/**
 * The chart of the fairness benchmark, drawn with Vega-Lite and rendered to
 * SVG headlessly (no browser, no canvas): every `10000!` request of every
 * server, idle and loaded, on a log scale, and the loaded ones over time.
 * Vega 5 and Vega-Lite 5: they install on Node 20 (Vega-Lite 6 needs Node 22).
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';

export interface Point {
  readonly server: string;
  readonly phase: 'idle' | 'loaded';
  /** Latency in ms; for a failure, the time until it failed (the timeout). */
  readonly ms: number;
  readonly outcome: 'answered' | 'timeout' | 'error';
  /** Seconds since the start of the phase. */
  readonly t: number;
}

export async function renderChart(points: readonly Point[], servers: readonly string[], timeoutMs: number): Promise<string> {
  const answered = { field: 'outcome', equal: 'answered' };
  const failed = { not: answered };
  const msAxis = { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency of one 10000! request (ms, log scale)' } as const;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    data: { values: points.map((p) => ({ ...p, ms: Math.max(p.ms, 0.1) })) },
    resolve: { scale: { color: 'independent' } },
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 }, legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 } },
    vconcat: [
      {
        title: { text: 'Every 10000! request: idle, then with ten 999999999! in flight', subtitle: `ticks: answered; crosses: failed (timeout ${timeoutMs / 1000} s or error)` },
        width: 640,
        height: 44 * servers.length,
        layer: [
          {
            transform: [{ filter: answered }],
            mark: { type: 'tick', thickness: 1.5, opacity: 0.7 },
            encoding: {
              x: msAxis,
              y: { field: 'server', type: 'nominal', sort: servers, title: null },
              yOffset: { field: 'phase', type: 'nominal', sort: ['idle', 'loaded'] },
              color: { field: 'phase', type: 'nominal', sort: ['idle', 'loaded'], scale: { range: ['#4c78a8', '#f58518'] }, title: 'phase' },
            },
          },
          {
            transform: [{ filter: failed }],
            mark: { type: 'point', shape: 'cross', filled: true, size: 70, color: '#d62728' },
            encoding: {
              x: msAxis,
              y: { field: 'server', type: 'nominal', sort: servers, title: null },
              yOffset: { field: 'phase', type: 'nominal', sort: ['idle', 'loaded'] },
            },
          },
        ],
      },
      {
        title: { text: 'Loaded phase: latency of each 10000! request over time', subtitle: 'dots: answered; crosses: failed, at the time they were sent (servers that answered none overlap)' },
        width: 640,
        height: 260,
        transform: [{ filter: { field: 'phase', equal: 'loaded' } }],
        layer: [
          {
            transform: [{ filter: answered }],
            mark: { type: 'point', filled: true, size: 14, opacity: 0.7 },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'seconds since the short requests started' },
              y: { ...msAxis, title: 'latency (ms, log scale)' },
              color: { field: 'server', type: 'nominal', sort: servers, title: 'server', scale: { scheme: 'tableau10' } },
            },
          },
          {
            transform: [{ filter: failed }],
            mark: { type: 'point', shape: 'cross', filled: true, size: 60 },
            encoding: {
              x: { field: 't', type: 'quantitative' },
              y: { ...msAxis, title: 'latency (ms, log scale)' },
              color: { field: 'server', type: 'nominal', sort: servers, title: 'server', scale: { scheme: 'tableau10' } },
            },
          },
        ],
      },
    ],
  };
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
