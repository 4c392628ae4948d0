// The fairness demo page. Long jobs: factorials whose progress comes from
// the server (server-sent events from /progress/events). Short requests: a
// bounded stream of small factorials, timed by this page, to this server and
// to the servers beside it (their /factorial is open to any origin), drawn
// with uPlot as p50/p99 over a sliding window.
'use strict';

/** The short request: small enough to answer at once when nothing holds it up. */
const SHORT_N = 2000;
/** The label of short requests: the job list leaves them out. */
const SHORT_JOB = 'short';
/** One short request per server this often (ms) while the stream runs. */
const SHORT_EVERY_MS = 100;
/** At most this many short requests waiting per server: one that stops answering does not pile up requests. */
const SHORT_MAX_WAITING = 8;
/** A short request given up after this long (ms) counts with this wait. */
const SHORT_TIMEOUT_MS = 60_000;
/** The stream stops by itself after this long (ms): the load a page puts on the machine is bounded. */
const SHORT_STREAM_MS = 5 * 60_000;
/** Percentiles are taken over the requests of this last stretch of time (ms). */
const WINDOW_MS = 10_000;
/** The chart takes a point this often (ms). */
const CHART_TICK_MS = 500;
/** The chart shows this many points (two minutes). */
const CHART_POINTS = 240;
/** Ended jobs kept in the list. */
const KEEP_ENDED_JOBS = 20;

/** The three servers, in the chart's order; the two peers get their address from the progress stream. */
const servers = [
  { name: 'Strand, least-attained', peer: undefined, colour: '#1f5fbf' },
  { name: 'Strand, round-robin', peer: 'Strand, round-robin', colour: '#b35900' },
  { name: 'plain node:http', peer: 'plain node:http', colour: '#a3195b' },
].map((s, i) => ({ ...s, base: i === 0 ? '' : undefined, waiting: new Map(), answered: [], failed: 0, longRunning: 0 }));

const $ = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat('en');
const started = performance.now();
let nextId = 0;

// ---- the latency chart -----------------------------------------------------

const data = [[], ...servers.flatMap(() => [[], []])];
const chart = new uPlot(
  {
    width: $('latency-chart').clientWidth,
    height: 300,
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    // The table below the chart is its legend (colours, and the figures in words).
    legend: { show: false },
    axes: [
      { label: 'seconds since the page opened', stroke: '#222', grid: { stroke: '#e4e4e4' } },
      { label: 'wait (ms)', stroke: '#222', size: 64, grid: { stroke: '#e4e4e4' } },
    ],
    series: [
      { label: 's' },
      ...servers.flatMap((s) => [
        { label: `${s.name} p50`, stroke: s.colour, width: 1.5, dash: [6, 4], points: { show: false } },
        { label: `${s.name} p99`, stroke: s.colour, width: 2.5, points: { show: false } },
      ]),
    ],
  },
  data,
  $('latency-chart'),
);

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** The waits of the window: answered ones, and those still waiting (with their wait so far). */
function waits(server, now) {
  while (server.answered.length > 0 && server.answered[0].at < now - WINDOW_MS) server.answered.shift();
  const ms = server.answered.map((a) => a.ms);
  for (const since of server.waiting.values()) ms.push(now - since);
  return ms.sort((a, b) => a - b);
}

let points = 0;
function chartTick() {
  const now = performance.now();
  data[0].push(Math.round((now - started) / 100) / 10);
  servers.forEach((server, i) => {
    const sorted = waits(server, now);
    // A log scale has no 0: under 1 ms is drawn at 1 ms.
    const [p50, p99] = [percentile(sorted, 0.5), percentile(sorted, 0.99)].map((v) => (v === null ? null : Math.max(1, v)));
    data[1 + 2 * i].push(p50);
    data[2 + 2 * i].push(p99);
    if (i === 0 && p50 !== null) $('latency').dataset.points = String(++points);
    const row = serverRow(server);
    row.p50.textContent = p50 === null ? '–' : `${numberFormat.format(Math.round(p50))} ms`;
    row.p99.textContent = p99 === null ? '–' : `${numberFormat.format(Math.round(p99))} ms`;
    row.answered.textContent = numberFormat.format(server.answered.length);
    row.failed.textContent = numberFormat.format(server.failed);
    row.long.textContent = numberFormat.format(server.longRunning);
    row.tr.classList.toggle('absent', server.base === undefined);
  });
  for (const column of data) column.splice(0, Math.max(0, column.length - CHART_POINTS));
  chart.setData(data);
}
setInterval(chartTick, CHART_TICK_MS);

const rows = new Map();
function serverRow(server) {
  if (!rows.has(server)) {
    const tr = document.createElement('tr');
    const name = document.createElement('th');
    name.scope = 'row';
    name.innerHTML = '<span class="swatch" aria-hidden="true"></span>';
    name.querySelector('.swatch').style.background = server.colour;
    name.append(server.name);
    const cells = Array.from({ length: 5 }, () => document.createElement('td'));
    tr.append(name, ...cells);
    $('servers').tBodies[0].append(tr);
    rows.set(server, { tr, p50: cells[0], p99: cells[1], answered: cells[2], failed: cells[3], long: cells[4] });
  }
  return rows.get(server);
}

// ---- short requests --------------------------------------------------------

let shortTimer;
let shortStop;
function targets() {
  return servers.filter((s, i) => s.base !== undefined && (i === 0 || $('compare').checked));
}

function fireShort() {
  for (const server of targets()) {
    if (server.waiting.size >= SHORT_MAX_WAITING) continue;
    const id = nextId++;
    const since = performance.now();
    server.waiting.set(id, since);
    const answered = () => {
      const at = performance.now();
      server.answered.push({ at, ms: at - since });
    };
    fetch(`${server.base}/factorial?n=${SHORT_N}&job=${SHORT_JOB}`, { signal: AbortSignal.timeout(SHORT_TIMEOUT_MS), cache: 'no-store' })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) answered();
        else server.failed++;
      })
      .catch((error) => {
        // Given up on: it waited that long. Anything else (refused, reset) is a failure, not a wait.
        if (error.name === 'TimeoutError') answered();
        else server.failed++;
      })
      .finally(() => server.waiting.delete(id));
  }
}

function setShortStream(on) {
  clearInterval(shortTimer);
  clearTimeout(shortStop);
  $('fire-short').setAttribute('aria-pressed', String(on));
  $('fire-short').textContent = on ? 'Stop short requests' : 'Fire short requests';
  if (!on) return;
  shortTimer = setInterval(fireShort, SHORT_EVERY_MS);
  shortStop = setTimeout(() => setShortStream(false), SHORT_STREAM_MS);
  fireShort();
}
$('fire-short').addEventListener('click', () => setShortStream($('fire-short').getAttribute('aria-pressed') !== 'true'));
$('short-what').textContent =
  `n = ${SHORT_N}, every ${SHORT_EVERY_MS} ms to each server (at most ${SHORT_MAX_WAITING} waiting each); stops after ${SHORT_STREAM_MS / 60_000} min`;

// ---- long jobs -------------------------------------------------------------

/** Rows of the job list: this page's jobs by their label, other clients' by pid. */
const jobs = new Map();

function jobRow(key, n, whose) {
  const li = document.createElement('li');
  li.className = 'job running';
  const head = document.createElement('div');
  head.className = 'job-head';
  const name = document.createElement('strong');
  name.textContent = `${numberFormat.format(n)}!`;
  const state = document.createElement('span');
  state.className = 'job-state';
  state.textContent = `${whose} · starting`;
  head.append(name, ' ', state);
  const bar = document.createElement('progress');
  bar.max = Math.max(1, n);
  bar.value = 0;
  bar.setAttribute('aria-label', `${numberFormat.format(n)}!: multiplications done`);
  const figures = document.createElement('div');
  figures.className = 'job-figures';
  figures.textContent = `0 of ${numberFormat.format(n)} multiplications`;
  li.append(head, bar, figures);
  $('jobs').prepend(li);
  const row = { key, n, whose, li, state, bar, figures, ended: false };
  jobs.set(key, row);
  return row;
}

function endJob(row, outcome, text) {
  row.ended = true;
  row.li.className = `job ${outcome}`;
  row.state.textContent = `${row.whose} · ${outcome}`;
  row.figures.textContent = text;
  const ended = [...jobs.values()].filter((r) => r.ended);
  for (const old of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED_JOBS))) {
    old.li.remove();
    jobs.delete(old.key);
  }
}

function startJob(n) {
  const label = `j${(nextId++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const row = jobRow(label, n, 'this page');
  const since = performance.now();
  servers[0].longRunning++;
  fetch(`/factorial?n=${n}&job=${label}`, { cache: 'no-store' })
    .then(async (response) => {
      const seconds = `${((performance.now() - since) / 1000).toFixed(1)} s`;
      if (response.status === 200) {
        const r = await response.json();
        row.bar.value = row.bar.max;
        endJob(row, 'done', r.value !== undefined ? `= ${r.value} · ${seconds}` : `has ${numberFormat.format(r.digits)} digits · ${seconds}`);
      } else {
        endJob(row, 'stopped', `${(await response.text()).trim()} (HTTP ${response.status}) · ${seconds}`);
      }
    })
    .catch((error) => endJob(row, 'failed', String(error.message ?? error)))
    .finally(() => servers[0].longRunning--);
}

/** A long job on a peer: counted while it runs; its progress is the peer's own business. */
function startPeerJob(server, n) {
  server.longRunning++;
  fetch(`${server.base}/factorial?n=${n}`, { cache: 'no-store' })
    .then((response) => response.arrayBuffer())
    .catch(() => undefined)
    .finally(() => server.longRunning--);
}

function longCount() {
  return Math.min(20, Math.max(1, Number($('long-count').value) || 1));
}
$('long-count').addEventListener('input', () => {
  const count = longCount();
  $('start-long').textContent = `Start ${count} long job${count === 1 ? '' : 's'}`;
});
$('long-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const n = Number($('long-n').value);
  for (let i = 0; i < longCount(); i++) {
    startJob(n);
    for (const peer of targets().slice(1)) startPeerJob(peer, n);
  }
});
$('one-form').addEventListener('submit', (event) => {
  event.preventDefault();
  startJob(Number($('one-n').value));
});

// ---- the progress stream ---------------------------------------------------

function showProgress(row, job) {
  row.bar.value = job.done;
  row.state.textContent = `${row.whose} · running · pid ${job.pid}`;
  row.figures.textContent =
    `${numberFormat.format(job.done)} of ${numberFormat.format(job.n)} multiplications · ` +
    `${numberFormat.format(Math.round(job.rate))}/s · ${(job.elapsedMs / 1000).toFixed(1)} s`;
}

function showSchedulers(sample) {
  const box = $('schedulers');
  box.replaceChildren(
    ...sample.schedulers.map((s) => {
      const percent = Math.round(s.utilisation * 100);
      const item = document.createElement('div');
      item.className = 'scheduler';
      const id = `scheduler-${s.index}`;
      item.innerHTML = `<label for="${id}"></label><meter id="${id}" min="0" max="100" low="60" high="90" optimum="0"></meter><span></span>`;
      item.querySelector('label').textContent = `thread ${s.index}`;
      item.querySelector('meter').value = percent;
      item.querySelector('span').textContent = `${percent}% busy · ${s.processes} processes · ${s.runQueue} queued`;
      return item;
    }),
  );
}

const events = new EventSource('/progress/events');
events.addEventListener('open', () => ($('connection').textContent = 'live: progress every half second'));
events.addEventListener('error', () => ($('connection').textContent = 'progress stream lost; reconnecting…'));
events.addEventListener('problem', (event) => ($('connection').textContent = `progress unavailable: ${JSON.parse(event.data).message}`));
events.addEventListener('sample', (event) => {
  const sample = JSON.parse(event.data);
  servers[0].name = `Strand, ${sample.policy}`;
  serverRow(servers[0]).tr.querySelector('th').lastChild.textContent = servers[0].name;
  for (const server of servers.slice(1)) server.base = sample.peers.find((p) => p.name === server.peer)?.url;
  showSchedulers(sample);
  const seen = new Set();
  for (const job of sample.jobs) {
    if (job.job === SHORT_JOB) continue;
    const key = job.job !== undefined && jobs.has(job.job) ? job.job : `pid ${job.pid}`;
    seen.add(key);
    const row = jobs.get(key) ?? jobRow(key, job.n, 'another client');
    if (!row.ended) showProgress(row, job);
  }
  // Another client's job has no answer here: its leaving the board is its end.
  for (const row of jobs.values()) {
    if (!row.ended && row.key.startsWith('pid ') && !seen.has(row.key)) endJob(row, 'ended', 'ended (its answer went to its own client)');
  }
});
