// The observer's dashboard: charts from the `/api/events` samples, a process
// table from `/api/processes`, kill/send/trace on the selected process, and
// the supervision tree from `/api/tree`.
// Plain browser JavaScript served as is (no build step); uPlot is the global
// that /assets/uPlot.iife.min.js defines.
//
// Token: an observer started with one needs `Authorization: Bearer` on every
// API call. The page takes it from the URL fragment (`#token=…`), which is
// never sent to a server, and puts it in that header on each fetch. The event
// stream is read with fetch streaming for the same reason (EventSource cannot
// send headers), so the token never appears in a URL sent anywhere. Once read,
// it leaves the address bar (and so the history and a shared screen) for the
// tab's session storage, where a reload finds it.

/** Samples kept per chart: two minutes at the observer's one sample a second. */
const HISTORY_SAMPLES = 120;
/** The process table and the detail pane are fetched again this long after the last answer (ms). */
const PROCESS_REFRESH_MS = 1_000;
/** Wait before reconnecting a lost event stream (ms): long enough not to spin on a stopped observer. */
const RECONNECT_DELAY_MS = 2_000;
/** Rows drawn at most: the table stays quick with a hundred thousand processes; the filter finds the rest. */
const ROWS_SHOWN = 500;
/** Height of each chart's plot area (CSS px): two rows of charts and the table fit a 1280×800 window. */
const CHART_HEIGHT_PX = 112;
/** Line colours: the Okabe–Ito palette (told apart with colour-blindness), the darker ones for contrast on white. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#7A5C00', '#56B4E9', '#000000'];
/** Spacing of the time axis's ticks to choose from (s): never less than a sample apart. */
const TIME_TICKS_S = [1, 2, 5, 10, 15, 30, 60, 120];
/** Tick spacings for counts (1, 2, 5, 10, 20, 50 … 5e9): a run queue of 0.5 is not a thing. */
const COUNT_TICKS = Array.from({ length: 10 }, (_, power) => [1, 2, 5].map((step) => step * 10 ** power)).flat();
const MIB = 1024 * 1024;
/** The tree is fetched again this long after the last answer (ms): supervisors change rarely, and each is asked with a call. */
const TREE_REFRESH_MS = 5_000;
/** Bounds of a trace's event count, as the observer accepts them (core's MAX_TRACE_EVENTS). */
const TRACE_LIMIT_MIN = 1;
const TRACE_LIMIT_MAX = 10_000;
/** Within this distance of the log's bottom (CSS px), a new line scrolls it down; further up, the reader is reading. */
const TRACE_FOLLOW_PX = 24;
/**
 * CPU a process has used (ms) at which it reaches the next level. The
 * least-attained policy serves first what has used least: the chart shows
 * how the CPU is split between short work and long jobs.
 */
const CPU_LEVELS_MS = [10, 100, 1_000];
/** Messages of the selected process's mailbox shown in the detail pane. */
const MAILBOX_PREVIEW = 5;
const CPU_LEVEL_LABELS = ['under 10 ms', '10 ms–100 ms', '100 ms–1 s', 'over 1 s'];
/** Where the tab keeps the token after taking it out of the address bar. */
const TOKEN_KEY = 'strand-observer-token';

const clockTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const traceTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 });

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const formats = {
  percent: (v) => `${decimalFormat.format(v * 100)}%`,
  integer: (v) => numberFormat.format(v),
  mib: (v) => decimalFormat.format(v),
};

/** The charts: what each plots per scheduler, and the one extra line some have. */
const CHARTS = [
  {
    id: 'utilisation',
    perScheduler: (s) => s.utilisation,
    extra: { label: 'main event loop', value: (sample) => sample.mainEventLoop, dash: [6, 4] },
    format: formats.percent,
    fixedMax: 1,
  },
  { id: 'run-queue', perScheduler: (s) => s.runQueue, format: formats.integer, ticks: COUNT_TICKS },
  { id: 'reductions', perScheduler: (s) => s.reductionsPerSecond, format: formats.integer, ticks: COUNT_TICKS },
  { id: 'heap', perScheduler: (s) => s.heapUsed / MIB, format: formats.mib },
  {
    id: 'processes',
    perScheduler: (s) => s.processes,
    extra: { label: 'total', value: (sample) => sample.processes, dash: [6, 4] },
    format: formats.integer,
    ticks: COUNT_TICKS,
  },
];

const state = {
  token: takeToken(),
  /** Which schedulers the charts were built for, as "0,1,2": rebuilt when it changes. */
  chartsFor: '',
  charts: [],
  times: [],
  sort: { key: 'reductions', descending: true },
  filter: '',
  /** The selected process's numeric id, or undefined. */
  selected: undefined,
  selectedView: undefined,
  /** Whether the selected process has exited (its last view stays shown). */
  selectedGone: false,
  processes: [],
  listRequests: 0,
  /** The running trace: `{ pid, abort }` (the AbortController of its fetch), or undefined. */
  trace: undefined,
  treeRequests: 0,
  /** The tree last drawn, as JSON, and as it came. */
  treeDrawn: '',
  tree: undefined,
  /** CPU by level: each process's CPU at the last list, when that was, and the chart. */
  levels: { cpuBefore: new Map(), at: undefined, times: [], columns: CPU_LEVEL_LABELS.map(() => []), plot: undefined },
};

const $ = (selector) => document.querySelector(selector);

// ---- API -------------------------------------------------------------------

/** The token from `#token=…` if there is one (then removed from the address bar), else the one this tab kept. */
function takeToken() {
  const given = new URLSearchParams(location.hash.slice(1)).get('token');
  if (given !== null) {
    sessionStorage.setItem(TOKEN_KEY, given);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

function authHeaders() {
  return state.token === undefined ? {} : { authorization: `Bearer ${state.token}` };
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...authHeaders(), ...init.headers } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) showUnauthorised();
  if (!response.ok) throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`);
  return body;
}

const post = (path, body) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function showConnection(text, bad = false) {
  const line = $('#connection');
  line.textContent = text;
  line.classList.toggle('bad', bad);
}

function showUnauthorised() {
  showConnection('unauthorised: open this page as …/#token=<the observer token>', true);
}

// ---- Samples: the event stream and the charts -------------------------------

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `/api/events` for as long as the page is open, reconnecting after a loss. */
async function streamSamples() {
  for (;;) {
    try {
      const response = await fetch('/api/events', { headers: authHeaders() });
      if (response.status === 401) showUnauthorised();
      else if (!response.ok || response.body === null) showConnection(`event stream answered ${response.status}; retrying`, true);
      else {
        showConnection('live');
        await readEvents(response.body, onStreamEvent);
        showConnection('event stream ended; reconnecting', true);
      }
    } catch (error) {
      showConnection(`disconnected (${error.message}); reconnecting`, true);
    }
    await delay(RECONNECT_DELAY_MS);
  }
}

function onStreamEvent(event, data) {
  if (event === 'sample') onSample(data);
  else if (event === 'error') showConnection(`sample failed: ${data.error}`, true);
}

/** Server-sent events: frames end with a blank line; `event:` names one, `data:` carries its JSON, given to `onEvent(name, data)`. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      onEvent(event, JSON.parse(data));
    }
  }
}

function onSample(sample) {
  const indices = sample.schedulers.map((s) => s.index).join(',');
  if (indices !== state.chartsFor) buildCharts(sample.schedulers);
  state.times.push(sample.at / 1000);
  for (const chart of state.charts) {
    sample.schedulers.forEach((s, i) => chart.columns[i].push(chart.spec.perScheduler(s)));
    if (chart.spec.extra !== undefined) chart.columns[sample.schedulers.length].push(chart.spec.extra.value(sample));
  }
  if (state.times.length > HISTORY_SAMPLES) {
    state.times.shift();
    for (const chart of state.charts) for (const column of chart.columns) column.shift();
  }
  for (const chart of state.charts) {
    chart.plot.setData([state.times, ...chart.columns]);
    // The legend shows the latest values unless the pointer is over the chart, showing the values under it.
    if (chart.plot.cursor.left < 0) chart.plot.setLegend({ idx: state.times.length - 1 });
  }
  showSchedulersNow(sample);
}

const schedulerLabel = (index) => (index === 0 ? 'main' : `scheduler ${index}`);

function buildCharts(schedulers) {
  for (const chart of state.charts) chart.plot.destroy();
  state.times = [];
  state.chartsFor = schedulers.map((s) => s.index).join(',');
  state.charts = CHARTS.map((spec) => {
    const figure = document.querySelector(`[data-chart="${spec.id}"]`);
    const target = figure.querySelector('.plot');
    const lines = schedulers.map((s, i) => ({ label: schedulerLabel(s.index), stroke: COLOURS[i % COLOURS.length], width: 1.5 }));
    if (spec.extra !== undefined) lines.push({ label: spec.extra.label, stroke: '#333333', width: 1.5, dash: spec.extra.dash });
    const options = chartOptions(figure, target, lines, spec);
    const columns = lines.map(() => []);
    return { spec, target, columns, plot: new uPlot(options, [[], ...columns], target) };
  });
}

function showSchedulersNow(sample) {
  const rows = sample.schedulers.map((s) =>
    row([
      cell('th', s.index === 0 ? 'main' : String(s.index), { scope: 'row' }),
      cell('td', formats.percent(s.utilisation), { class: 'num' }),
      cell('td', formats.integer(s.runQueue), { class: 'num' }),
      cell('td', formats.integer(s.reductionsPerSecond), { class: 'num' }),
      cell('td', formats.mib(s.heapUsed / MIB), { class: 'num' }),
      cell('td', formats.integer(s.processes), { class: 'num' }),
    ]),
  );
  $('#schedulers tbody').replaceChildren(...rows);
  $('#main-event-loop').textContent = formats.percent(sample.mainEventLoop);
}

window.addEventListener('resize', () => {
  for (const chart of state.charts) chart.plot.setSize({ width: chart.target.clientWidth, height: CHART_HEIGHT_PX });
});

// ---- Processes: table and detail pane ---------------------------------------

/** Runs `refresh` for as long as the page is open, `ms` after each answer (a slow observer is not asked twice at once). */
async function repeatAfterAnswer(refresh, ms) {
  for (;;) {
    await refresh();
    await delay(ms);
  }
}

async function refreshProcesses() {
  // A sort click and the timer can overlap: only the latest request's answer is shown.
  const request = ++state.listRequests;
  try {
    const processes = await api(`/api/processes?sort=${state.sort.key}`);
    if (request !== state.listRequests) return;
    state.processes = processes;
    showProcesses();
    recordCpuLevels(processes);
  } catch (error) {
    $('#process-count').textContent = `process list failed: ${error.message}`;
  }
  if (state.selected !== undefined) await refreshDetail();
}

function matchesFilter(p) {
  const text = state.filter.toLowerCase();
  return text === '' || p.actor.toLowerCase().includes(text) || (p.registeredName ?? '').toLowerCase().includes(text);
}

function showProcesses() {
  const matching = state.processes.filter(matchesFilter);
  if (!state.sort.descending) matching.reverse();
  const shown = matching.slice(0, ROWS_SHOWN);
  const focusedId = document.activeElement?.closest('#processes tbody tr')?.dataset.id;
  const rows = shown.map(processRow);
  const shownIds = new Set(shown.map((p) => p.id));
  for (const id of rowsById.keys()) if (!shownIds.has(id)) rowsById.delete(id);
  const tbody = $('#processes tbody');
  // Moved only when the order changed: a row left in place keeps a click that is under way.
  if (rows.length !== tbody.children.length || rows.some((tr, i) => tbody.children[i] !== tr)) {
    tbody.replaceChildren(...rows);
    if (focusedId !== undefined) document.querySelector(`#processes tbody tr[data-id="${focusedId}"] button`)?.focus();
  }
  const total = state.processes.length;
  const beyond = matching.length > ROWS_SHOWN ? `, first ${ROWS_SHOWN} shown` : '';
  $('#process-count').textContent =
    state.filter === '' ? `${total} live${beyond}` : `${matching.length} of ${total} match${beyond}`;
}

/**
 * Rows by process id, kept from one refresh to the next and updated in place:
 * a click pressed on one refresh's button and released after the next still
 * lands, which it would not on a row drawn anew each second.
 */
const rowsById = new Map();

function processRow(p) {
  let tr = rowsById.get(p.id);
  if (tr === undefined) {
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'pid';
    pick.textContent = p.pid;
    pick.setAttribute('aria-label', `show ${p.pid} (${p.actor})`);
    pick.addEventListener('click', () => select(p.id));
    tr = row([cell('td', pick), ...Array.from({ length: 3 }, () => cell('td', '')), ...Array.from({ length: 4 }, () => cell('td', '', { class: 'num' }))]);
    tr.dataset.id = String(p.id);
    tr.dataset.pid = p.pid;
    rowsById.set(p.id, tr);
  }
  const texts = [
    p.actor,
    p.registeredName ?? '',
    p.status,
    formats.integer(p.cpuMs),
    formats.integer(p.reductions),
    formats.integer(p.mailboxLength),
    age(p.ageMs),
  ];
  texts.forEach((text, i) => {
    const td = tr.cells[i + 1];
    if (td.textContent !== text) td.textContent = text;
  });
  if (p.id === state.selected) tr.setAttribute('aria-current', 'true');
  else tr.removeAttribute('aria-current');
  return tr;
}

function age(ms) {
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  return `${decimalFormat.format(ms / 3_600_000)} h`;
}

function showSort() {
  for (const th of document.querySelectorAll('#processes th[data-sort]')) {
    const active = th.dataset.sort === state.sort.key;
    if (active) th.setAttribute('aria-sort', state.sort.descending ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

function select(id) {
  if (id !== state.selected && state.trace !== undefined) stopTrace('another process was selected');
  state.selected = id;
  state.selectedView = undefined;
  state.selectedGone = false;
  $('#action-result').textContent = '';
  for (const tr of document.querySelectorAll('#processes tbody tr')) {
    if (tr.dataset.id === String(id)) tr.setAttribute('aria-current', 'true');
    else tr.removeAttribute('aria-current');
  }
  showTreeSelection();
  refreshDetail();
}

/** Selects the process shown as `pid` text (from the tree, which has no numbers), asking the observer for its id if the table has not listed it yet. */
async function selectPidText(pid) {
  const listed = state.processes.find((p) => p.pid === pid);
  if (listed !== undefined) {
    select(listed.id);
    document.querySelector(`#processes tbody tr[data-id="${listed.id}"]`)?.scrollIntoView({ block: 'nearest' });
    return;
  }
  try {
    select((await api(`/api/processes/${encodeURIComponent(pid)}`)).id);
  } catch (error) {
    $('#tree-status').textContent = error.status === 404 ? `${pid} is no longer running` : `could not read ${pid}: ${error.message}`;
  }
}

async function refreshDetail() {
  const id = state.selected;
  try {
    const view = await api(`/api/processes/${id}`);
    if (id !== state.selected) return;
    state.selectedView = view;
    showDetail(view);
    const preview = view.mailboxLength === 0 ? undefined : await api(`/api/processes/${id}/mailbox?limit=${MAILBOX_PREVIEW}`);
    if (id === state.selected) showMailboxPreview(preview);
  } catch (error) {
    if (id !== state.selected) return;
    if (error.status === 404) showExited();
    else $('#action-result').textContent = `could not read the process: ${error.message}`;
  }
}

function showDetail(view) {
  state.selectedGone = false;
  $('#detail-empty').hidden = true;
  $('#detail-body').hidden = false;
  const list = (pids) => (pids.length === 0 ? 'none' : pids.join(', '));
  const shown = {
    pid: view.pid,
    actor: view.actor,
    registeredName: view.registeredName ?? 'none',
    status: view.status,
    waitingIn: view.waitingIn ?? '–',
    mailboxLength: formats.integer(view.mailboxLength),
    cpuMs: formats.integer(view.cpuMs),
    reductions: formats.integer(view.reductions),
    trapExit: view.trapExit ? 'yes' : 'no',
    age: age(view.ageMs),
    supervisorPath: supervisorPath(view.pid),
    links: list(view.links),
    monitors: list(view.monitors),
    monitoredBy: list(view.monitoredBy),
  };
  for (const dd of document.querySelectorAll('#detail-body [data-field]')) dd.textContent = shown[dd.dataset.field];
  for (const control of detailControls()) control.disabled = false;
  showTraceControls();
  showTreeSelection();
}

/** The oldest messages waiting in the selected process's mailbox, one per line, as compact JSON (text, never HTML). */
function showMailboxPreview(preview) {
  const field = document.querySelector('#detail-body [data-field="mailboxPreview"]');
  if (preview === undefined) {
    field.textContent = 'empty';
    return;
  }
  const more = preview.mailboxLength - preview.messages.length;
  field.textContent = [...preview.messages.map((m) => JSON.stringify(m)), ...(more > 0 ? [`… and ${formats.integer(more)} more`] : [])].join('\n');
}

const detailControls = () => document.querySelectorAll('#detail-body button, #detail-body select, #detail-body textarea, #detail-body input');

/** The selected process is gone: say so, keep its last view, and disable actions on it. */
function showExited() {
  state.selectedGone = true;
  const last = state.selectedView;
  $('#detail-body [data-field="status"]').textContent = 'exited';
  $('#action-result').textContent = `${last?.pid ?? 'the process'} is no longer running`;
  for (const control of detailControls()) control.disabled = true;
  showTraceControls();
}

// ---- Actions: kill (confirmed in a dialog) and send -------------------------

function askToKill(event) {
  event.preventDefault();
  const view = state.selectedView;
  if (view === undefined) return;
  const reason = $('#kill-reason').value;
  $('#confirm-text').textContent = `${view.pid} (${view.actor}) will exit with reason “${reason}”.`;
  const dialog = $('#confirm-kill');
  dialog.dataset.id = String(view.id);
  dialog.dataset.reason = reason;
  dialog.showModal();
}

async function onDialogButton(event) {
  const button = event.target.closest('button');
  if (button === null) return;
  const dialog = $('#confirm-kill');
  dialog.close(button.value);
  if (button.value !== 'confirm') return;
  const { id, reason } = dialog.dataset;
  try {
    const answer = await post(`/api/processes/${id}/kill`, { reason });
    $('#action-result').textContent = `sent exit signal ${JSON.stringify(answer.reason)} to ${answer.pid}`;
  } catch (error) {
    $('#action-result').textContent = `kill failed: ${error.message}`;
  }
  await refreshProcesses();
}

async function sendMessage(event) {
  event.preventDefault();
  const view = state.selectedView;
  if (view === undefined) return;
  let message;
  try {
    message = JSON.parse($('#message').value);
  } catch (error) {
    $('#action-result').textContent = `the message is not JSON: ${error.message}`;
    return;
  }
  try {
    const answer = await post(`/api/processes/${view.id}/send`, { message });
    $('#action-result').textContent = `message sent to ${answer.pid}`;
  } catch (error) {
    $('#action-result').textContent = `send failed: ${error.message}`;
  }
}

// ---- Trace: the selected process's events as they happen ---------------------

/** Trace can start on a running process when no trace is running; Stop only while one is. */
function showTraceControls() {
  const startable = state.selectedView !== undefined && !state.selectedGone && state.trace === undefined;
  $('#trace-start').disabled = !startable;
  $('#trace-limit').disabled = !startable;
  $('#trace-stop').disabled = state.trace === undefined;
}

/** Opens `/api/processes/:pid/trace?limit=N` (fetch streaming: the token goes in the header) and logs each event until its end or Stop. */
async function startTrace(event) {
  event.preventDefault();
  const view = state.selectedView;
  if (view === undefined || state.trace !== undefined) return;
  const limit = Number($('#trace-limit').value);
  if (!Number.isInteger(limit) || limit < TRACE_LIMIT_MIN || limit > TRACE_LIMIT_MAX) {
    $('#action-result').textContent = `the trace limit must be a whole number from ${TRACE_LIMIT_MIN} to ${TRACE_LIMIT_MAX}`;
    return;
  }
  const trace = { pid: view.pid, abort: new AbortController(), ended: false };
  state.trace = trace;
  $('#trace').hidden = false;
  $('#trace-log').replaceChildren();
  $('#trace-status').textContent = `tracing ${view.pid} (at most ${limit} events)…`;
  showTraceControls();
  try {
    const response = await fetch(`/api/processes/${view.id}/trace?limit=${limit}`, { headers: authHeaders(), signal: trace.abort.signal });
    if (response.status === 401) showUnauthorised();
    if (!response.ok || response.body === null) {
      const body = await response.json().catch(() => ({}));
      traceEnded(trace, `could not trace: ${body.error ?? `HTTP ${response.status}`}`);
      return;
    }
    await readEvents(response.body, (name, data) => {
      if (name === 'trace') onTraceEvent(trace, data);
    });
    traceEnded(trace, 'the trace stream closed before its end');
  } catch (error) {
    traceEnded(trace, error.name === 'AbortError' ? trace.stopReason : `trace failed: ${error.message}`);
  }
}

function onTraceEvent(trace, data) {
  if (trace !== state.trace) return;
  if (data.event === 'end') {
    traceEnded(trace, `trace ended: ${endReason(data.reason)}`);
    return;
  }
  const { type: _type, pid: _pid, id: _id, at, event, ...details } = data;
  const line = document.createElement('li');
  line.dataset.event = event;
  line.append(span(traceTime.format(new Date(at)), 'time'), span(event, 'event'), span(JSON.stringify(details), 'details'));
  const log = $('#trace-log');
  const following = log.scrollHeight - log.scrollTop - log.clientHeight <= TRACE_FOLLOW_PX;
  log.append(line);
  if (following) log.scrollTop = log.scrollHeight;
}

/** The `end` event's reason in words: `limit`, `stopped`, `noproc`, or how the process exited. */
function endReason(reason) {
  if (reason === 'limit') return 'limit reached';
  if (reason === 'stopped') return 'stopped by the observer';
  if (reason === 'noproc') return 'the process is not running';
  return `the process exited (${typeof reason === 'string' ? reason : JSON.stringify(reason)})`;
}

/** Says why the trace ended, once, and frees the controls for the next one. */
function traceEnded(trace, why) {
  if (trace.ended) return;
  trace.ended = true;
  if (state.trace === trace) state.trace = undefined;
  $('#trace-status').textContent = `${trace.pid}: ${why}`;
  showTraceControls();
}

/** Aborts the trace's fetch: the observer sees the client go and stops the trace. */
function stopTrace(why) {
  const trace = state.trace;
  if (trace === undefined) return;
  trace.stopReason = `trace stopped: ${why}`;
  trace.abort.abort();
  traceEnded(trace, trace.stopReason);
}

// ---- Supervision tree ----------------------------------------------------------

async function refreshTree() {
  // The button and the timer can overlap: only the latest request's answer is shown.
  const request = ++state.treeRequests;
  $('#tree-refresh').disabled = true;
  try {
    const tree = await api('/api/tree');
    if (request !== state.treeRequests) return;
    showTree(tree);
  } catch (error) {
    if (request === state.treeRequests) $('#tree-status').textContent = `tree failed: ${error.message}`;
  } finally {
    if (request === state.treeRequests) $('#tree-refresh').disabled = false;
  }
}

function showTree(tree) {
  // Drawn again only when it changed (rarely): a click under way on a pid keeps its button.
  const drawn = JSON.stringify(tree.roots);
  state.tree = tree;
  const path = document.querySelector('#detail-body [data-field="supervisorPath"]');
  if (state.selectedView !== undefined && !state.selectedGone) path.textContent = supervisorPath(state.selectedView.pid);
  if (drawn !== state.treeDrawn) {
    state.treeDrawn = drawn;
    const focusedPid = document.activeElement?.closest('#tree button.pid')?.dataset.pid;
    $('#tree').replaceChildren(...tree.roots.map(treeNode));
    if (focusedPid !== undefined) document.querySelector(`#tree button.pid[data-pid="${CSS.escape(focusedPid)}"]`)?.focus();
    showTreeSelection();
  }
  const supervisors = tree.roots.length === 1 ? '1 root supervisor' : `${tree.roots.length} root supervisors`;
  $('#tree-status').textContent = `${supervisors}; ${tree.unsupervised} processes under none; at ${clockTime.format(new Date())}`;
}

/** One `<li>`: the node's line, and under a supervisor a nested list of its children. */
function treeNode(node) {
  const li = document.createElement('li');
  li.dataset.id = node.id ?? '';
  const line = document.createElement('div');
  line.className = 'node';
  line.append(span(node.id ?? (node.restart === null ? 'root' : '(dynamic)'), 'id'));
  if (node.pid === null) {
    li.dataset.running = 'false';
    line.append(span('not running', 'down'));
  } else {
    li.dataset.pid = node.pid;
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'pid';
    pick.dataset.pid = node.pid;
    pick.textContent = node.pid;
    pick.setAttribute('aria-label', `show ${node.pid} (${node.actor ?? 'unknown actor'})`);
    pick.addEventListener('click', () => selectPidText(node.pid));
    line.append(pick);
  }
  const facts = [node.actor, node.type, node.restart].filter((f) => f !== null && f !== undefined);
  if (node.strategy !== undefined) facts.push(`${node.strategy}, ${node.intensity} restarts / ${decimalFormat.format(node.period / 1000)} s`);
  line.append(span(facts.join(' · '), 'facts'));
  if (node.error !== undefined) line.append(span(`did not answer: ${node.error}`, 'down'));
  li.append(line);
  if (node.children !== undefined && node.children.length > 0) {
    const ul = document.createElement('ul');
    ul.append(...node.children.map(treeNode));
    li.append(ul);
  }
  return li;
}

/** The supervisors above `pid`, root first (`root <1.2.0> › inner <1.5.0>`), from the tree last read. */
function supervisorPath(pid) {
  if (state.tree === undefined) return 'tree not read yet';
  const find = (node, above) => {
    if (node.pid === pid) return above;
    for (const child of node.children ?? []) {
      const found = find(child, [...above, node]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const root of state.tree.roots) {
    const above = find(root, []);
    if (above === undefined) continue;
    if (above.length === 0) return 'none: a root supervisor';
    return above.map((n) => `${n.id ?? (n.restart === null ? 'root' : '(dynamic)')} ${n.pid}`).join(' › ');
  }
  return 'none known';
}

/**
 * Charts the CPU used since the last list, split by the level each process
 * had reached before it (under 10 ms of CPU, under 100 ms, under 1 s, more):
 * a share of one core. A process that ended between two lists is missing
 * from the second, and so is what it used last.
 */
function recordCpuLevels(processes) {
  const levels = state.levels;
  const now = Date.now();
  const used = CPU_LEVEL_LABELS.map(() => 0);
  const cpuNow = new Map();
  for (const p of processes) {
    cpuNow.set(p.id, p.cpuMs);
    const before = levels.cpuBefore.get(p.id) ?? 0;
    if (p.cpuMs > before) used[CPU_LEVELS_MS.filter((bound) => before >= bound).length] += p.cpuMs - before;
  }
  const elapsed = levels.at === undefined ? undefined : now - levels.at;
  levels.cpuBefore = cpuNow;
  levels.at = now;
  if (elapsed === undefined || elapsed <= 0) return;
  levels.plot ??= buildLevelsChart();
  levels.times.push(now / 1000);
  used.forEach((ms, i) => levels.columns[i].push(ms / elapsed));
  if (levels.times.length > HISTORY_SAMPLES) {
    levels.times.shift();
    for (const column of levels.columns) column.shift();
  }
  levels.plot.setData([levels.times, ...levels.columns]);
  if (levels.plot.cursor.left < 0) levels.plot.setLegend({ idx: levels.times.length - 1 });
}

function buildLevelsChart() {
  const figure = document.querySelector('[data-chart="cpu-levels"]');
  const target = figure.querySelector('.plot');
  const lines = CPU_LEVEL_LABELS.map((label, i) => ({ label, stroke: COLOURS[i], width: 1.5 }));
  const plot = new uPlot(chartOptions(figure, target, lines, { format: formats.percent }), [[], ...state.levels.columns], target);
  window.addEventListener('resize', () => plot.setSize({ width: target.clientWidth, height: CHART_HEIGHT_PX }));
  return plot;
}

/**
 * uPlot options for a chart of `lines` over time: clock-time x axis, y from 0
 * (to `fixedMax` when given), values shown with `format`, `ticks` for y when given.
 */
function chartOptions(figure, target, lines, { format, fixedMax, ticks }) {
  const axis = { stroke: '#333333', grid: { stroke: '#e3e6ea' }, ticks: { stroke: '#c8ccd2', size: 4 } };
  return {
    width: target.clientWidth,
    height: CHART_HEIGHT_PX,
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, fixedMax ?? (max > 0 ? max * 1.1 : 1)] },
    },
    axes: [
      {
        ...axis,
        size: 26,
        // Whole seconds as clock time: samples come once a second, and the date is today's.
        incrs: TIME_TICKS_S,
        values: (_u, splits) => splits.map((t) => clockTime.format(new Date(t * 1000))),
      },
      { ...axis, size: 56, space: 24, ...(ticks === undefined ? {} : { incrs: ticks }), values: (_u, splits) => splits.map(format) },
    ],
    series: [{ label: 'time' }, ...lines.map((line) => ({ ...line, value: (_u, v) => (v == null ? '–' : format(v)) }))],
    // What the browser test waits for: the number of points the chart last drew.
    hooks: { draw: [(u) => (figure.dataset.points = String(u.data[0].length))] },
  };
}

/** A span holding text (set as text, never as HTML). */
function span(content, className) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = content;
  return element;
}

/** The selected process's line in the tree is marked as the table's row is. */
function showTreeSelection() {
  const pid = state.processes.find((p) => p.id === state.selected)?.pid ?? state.selectedView?.pid;
  for (const li of document.querySelectorAll('#tree li[data-pid]')) {
    if (pid !== undefined && li.dataset.pid === pid) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }
}

// ---- DOM pieces and start ----------------------------------------------------

/** A table cell holding text (set as text, never as HTML) or an element. */
function cell(tag, content, attributes = {}) {
  const element = document.createElement(tag);
  if (typeof content === 'string') element.textContent = content;
  else element.append(content);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function row(cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

for (const th of document.querySelectorAll('#processes th[data-sort]')) {
  th.querySelector('button').addEventListener('click', () => {
    const key = th.dataset.sort;
    state.sort = { key, descending: key === state.sort.key ? !state.sort.descending : true };
    showSort();
    refreshProcesses();
  });
}
$('#filter').addEventListener('input', (event) => {
  state.filter = event.target.value.trim();
  showProcesses();
});
$('#kill-form').addEventListener('submit', askToKill);
$('#send-form').addEventListener('submit', sendMessage);
$('#confirm-kill').addEventListener('click', onDialogButton);
$('#trace-form').addEventListener('submit', startTrace);
$('#trace-stop').addEventListener('click', () => stopTrace('by you'));
$('#tree-refresh').addEventListener('click', refreshTree);
window.addEventListener('hashchange', () => {
  state.token = takeToken();
});

showSort();
streamSamples();
// The table (and the selected process) once a second, the tree every few seconds.
repeatAfterAnswer(refreshProcesses, PROCESS_REFRESH_MS);
repeatAfterAnswer(refreshTree, TREE_REFRESH_MS);
