// The dashboard in a real browser (Debian's chromium driven by playwright-core):
// the charts draw from the event stream, the table lists processes, a runaway
// rises to the top by CPU, and selecting it, choosing a reason, clicking Kill
// and confirming in the page's dialog ends it with that reason. With a token
// in the URL fragment the page works, sending a test message included;
// without it, it says it is unauthorised. The supervision tree panel shows the
// application's two-level tree and selects a process from it; a trace started
// from the detail pane logs what a relay receives and sends, stops on Stop, and
// says when it ended at its limit.
// Screenshots go to docs/ only when UPDATE_SCREENSHOTS=1.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatPid, type Inbox, type Pid } from '@strand/core';
import type { Runtime } from '@strand/pool';
import { type Application, Strand } from '@strand/otp';
import { observe, type Observer } from '@strand/observer';
import { Relay } from './fixtures/actors.js';
import { Spinner } from './fixtures/spinner.js';
import { TREE_CHILDREN, TREE_FLAGS } from './fixtures/tree.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Outcome waits in the page: generous, the machine is shared and loaded. */
const PAGE_WAIT_MS = 30_000;
const PRELOAD = new URL('./fixtures/register-tsx.mjs', import.meta.url).href;
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
/** Bound on each test: several page waits in a row, plus a browser start, on a loaded machine. */
const TEST_TIMEOUT_MS = 120_000;
/** Samples drawn before the screenshot of the runaway is taken: enough history for the charts to show it. */
const SCREENSHOT_SAMPLES = 15;
const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

// Without chromium a developer's run skips this suite; CI installs chromium, so there its absence fails the suite.
const skip = !existsSync(CHROMIUM) && process.env.CI === undefined;
const title = skip ? `dashboard in a browser (skipped: ${CHROMIUM} is absent; apt-get install chromium)` : 'dashboard in a browser';

let app: Application;
let rt: Runtime;
let inbox: Inbox;
let browser: Browser;
let page: Page;
/** Errors the page reported: uncaught exceptions and console errors (a script or style the policy refused is one). */
let pageErrors: string[];
/** Answers of 400 and above the page got, as `status path`. */
let failedRequests: string[];

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

async function started(pid: Pid): Promise<Pid> {
  expect(await inbox.receive((m) => isObject(m) && m.ready === pid, 20_000)).toEqual({ ready: pid });
  return pid;
}

/** The pids in the process table, top to bottom. */
const tablePids = () => page.$$eval('#processes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-pid') ?? undefined));

async function waitForTable(predicate: (pids: (string | undefined)[]) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PAGE_WAIT_MS;
  let pids = await tablePids();
  while (!predicate(pids)) {
    if (Date.now() > deadline) throw new Error(`the table never showed ${what}; it shows ${pids.join(' ')}`);
    await page.waitForTimeout(200);
    pids = await tablePids();
  }
}

/** Waits until `chart` has drawn at least `count` samples. (Not a page.waitForFunction string: the page's policy refuses eval.) */
async function chartPoints(count: number, chart = 'utilisation'): Promise<void> {
  const drawn = async () => Number(await page.getAttribute(`[data-chart="${chart}"]`, 'data-points'));
  await expect.poll(drawn, { timeout: PAGE_WAIT_MS }).toBeGreaterThanOrEqual(count);
}

describe.skipIf(skip)(title, () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    // An application with a two-level supervision tree (tree.test.ts's): the tree panel has something to show.
    app = await Strand.start({ schedulers: 2, preload: [PRELOAD], onCrash: () => {}, handleSignals: false, flags: TREE_FLAGS, children: TREE_CHILDREN });
    rt = app.runtime;
    inbox = rt.inbox();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    pageErrors = [];
    failedRequests = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Chromium logs each 4xx answer as a console error too: those are checked by path in failedRequests.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
  });

  afterEach(async () => {
    await page.close();
    await app.stop();
  });

  it('charts the samples, puts a runaway on top by CPU, and kills it through the confirm dialog', async () => {
    const observer = await observe(rt, { port: 0 });
    try {
      const relays = [await started(rt.spawnOn(1, Relay, inbox.pid)), await started(rt.spawnOn(2, Relay, inbox.pid))];
      rt.register('relay-one', relays[0]!);
      await page.goto(observer.url + '/');

      // The utilisation chart has drawn at least two samples, one line per scheduler plus the main event loop.
      await chartPoints(2);
      const legend = await page.$$eval('[data-chart="utilisation"] .u-legend .u-label', (labels) => labels.map((l) => l.textContent));
      expect(legend).toEqual(['time', 'main', 'scheduler 1', 'scheduler 2', 'main event loop']);
      expect(await page.locator('#schedulers tbody tr').count()).toBe(3);
      await waitForTable((pids) => relays.every((r) => pids.includes(formatPid(r))), 'both relays');

      // The filter narrows the table to what matches an actor or a registered name.
      await page.getByLabel('Filter by actor or name').fill('relay-one');
      await waitForTable((pids) => pids.length === 1 && pids[0] === formatPid(relays[0]!), 'only relay-one');
      await page.getByLabel('Filter by actor or name').fill('');

      const runaway = await started(rt.spawnOn(2, Spinner, inbox.pid));
      await page.getByRole('button', { name: 'CPU ms' }).click();
      expect(await page.getAttribute('th[data-sort="cpu"]', 'aria-sort')).toBe('descending');
      await waitForTable((pids) => pids[0] === formatPid(runaway), 'the runaway on top by CPU');
      // CPU split by the least-attained levels: the runaway's CPU shows in a level over some point.
      await chartPoints(2, 'cpu-levels');
      const levels = await page.$$eval('[data-chart="cpu-levels"] .u-legend .u-label', (labels) => labels.map((l) => l.textContent));
      expect(levels).toEqual(['time', 'under 10 ms', '10 ms–100 ms', '100 ms–1 s', 'over 1 s']);

      await page.locator('#processes tbody tr').first().getByRole('button').click();
      await expect.poll(() => page.textContent('#detail-body [data-field="pid"]'), { timeout: PAGE_WAIT_MS }).toBe(formatPid(runaway));
      // It never receives: what is sent to it waits in its mailbox, and the pane shows the oldest.
      rt.send(runaway, { type: 'hello', n: 1 });
      await expect.poll(() => page.textContent('#detail-body [data-field="mailboxPreview"]'), { timeout: PAGE_WAIT_MS }).toBe('{"type":"hello","n":1}');
      expect(await page.textContent('#detail-body [data-field="actor"]')).toBe('Spinner');
      expect(await page.textContent('#detail-body [data-field="links"]')).toBe('none');
      if (SCREENSHOTS) {
        await chartPoints(SCREENSHOT_SAMPLES);
        await page.screenshot({ path: docs('observer-dashboard.png') });
      }

      await page.getByLabel('Exit reason').selectOption('shutdown');
      await page.getByRole('button', { name: 'Kill…' }).click();
      const dialog = page.locator('dialog#confirm-kill');
      await expect.poll(() => dialog.getAttribute('open'), { timeout: PAGE_WAIT_MS }).toBe('');
      expect(await dialog.textContent()).toContain(`${formatPid(runaway)} (Spinner) will exit with reason “shutdown”`);
      const exited = rt.awaitExit(runaway);
      await dialog.getByRole('button', { name: 'Kill', exact: true }).click();

      expect(await exited).toBe('shutdown');
      await waitForTable((pids) => !pids.includes(formatPid(runaway)) && pids.includes(formatPid(relays[0]!)), 'the runaway gone, the relays left');
      await expect.poll(() => page.textContent('#action-result'), { timeout: PAGE_WAIT_MS }).toContain('no longer running');
      if (SCREENSHOTS) await page.screenshot({ path: docs('observer-runaway-killed.png') });
      expect(pageErrors).toEqual([]);
      // The only refusals: the detail pane asking for the killed process (and its mailbox), which is gone.
      const gone = [`404 /api/processes/${runaway}`, `404 /api/processes/${runaway}/mailbox`];
      expect(failedRequests.some((r) => gone.includes(r))).toBe(true);
      expect(failedRequests.filter((r) => !gone.includes(r))).toEqual([]);
    } finally {
      await observer.close();
    }
  }, TEST_TIMEOUT_MS);

  it('with a token, works from #token= in the URL (a test message sent too) and says unauthorised without it', async () => {
    const observer = await observe(rt, { port: 0, token: 'sesame' });
    try {
      const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
      await page.goto(`${observer.url}/#token=sesame`);
      await waitForTable((pids) => pids.includes(formatPid(relay)), 'the relay');
      await chartPoints(1, 'heap');
      expect(await page.textContent('#connection')).toBe('live');
      // Read once, the token has left the address bar (history, a shared screen) for the tab's session storage.
      expect(new URL(page.url()).hash).toBe('');
      await page.reload();
      await waitForTable((pids) => pids.includes(formatPid(relay)), 'the relay after a reload');

      // Send a test message, with the token: the relay passes on what it got. Text that is not JSON is refused in the page.
      await page.locator(`#processes tbody tr[data-id="${relay}"]`).getByRole('button').click();
      await expect.poll(() => page.textContent('#detail-body [data-field="pid"]'), { timeout: PAGE_WAIT_MS }).toBe(formatPid(relay));
      const message = page.getByLabel('Send a test message (JSON)');
      await message.fill('{"hello": ');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => page.textContent('#action-result'), { timeout: PAGE_WAIT_MS }).toContain('not JSON');
      await message.fill('{"hello": "dashboard", "n": [1, 2]}');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      expect(await inbox.receive((m) => isObject(m) && m.by === relay, 20_000)).toEqual({ got: { hello: 'dashboard', n: [1, 2] }, by: relay });
      await expect.poll(() => page.textContent('#action-result'), { timeout: PAGE_WAIT_MS }).toBe(`message sent to ${formatPid(relay)}`);

      // The page opened without the token: nothing but a clear message.
      const bare = await browser.newPage();
      try {
        await bare.goto(observer.url + '/');
        await expect.poll(() => bare.textContent('#connection'), { timeout: PAGE_WAIT_MS }).toContain('unauthorised');
        expect(await bare.locator('#processes tbody tr').count()).toBe(0);
      } finally {
        await bare.close();
      }
      expect(pageErrors).toEqual([]);
      expect(failedRequests).toEqual([]);
    } finally {
      await observer.close();
    }
  }, TEST_TIMEOUT_MS);

  it('shows the supervision tree, two levels deep, and selects a process from it', async () => {
    const observer = await observe(rt, { port: 0 });
    try {
      await page.goto(observer.url + '/');
      // The root supervisor over 'cache' and 'inner', and 'inner' over 'a' and 'b', as nested lists.
      const ids = (selector: string) => page.$$eval(selector, (items) => items.map((li) => li.getAttribute('data-id')));
      await expect.poll(() => ids('#tree > li > ul > li[data-id="inner"] > ul > li'), { timeout: PAGE_WAIT_MS }).toEqual(['a', 'b']);
      expect(await ids('#tree > li')).toEqual(['']);
      expect(await ids('#tree > li > ul > li')).toEqual(['cache', 'inner']);
      const root = page.locator('#tree > li > .node');
      expect(await root.textContent()).toContain('root');
      expect(await root.textContent()).toContain('strand.RootSupervisor · supervisor · one_for_one, 10 restarts / 60 s');
      const inner = page.locator('#tree li[data-id="inner"] > .node');
      expect(await inner.textContent()).toContain('InnerSup · supervisor · permanent · one_for_all, 3 restarts / 10 s');
      expect(await page.textContent('#tree li[data-id="b"] > .node')).toContain('Leaf · worker · transient');
      const innerPid = (await app.whichChildren()).find((c) => c.id === 'inner')!.pid!;
      expect(await page.getAttribute('#tree li[data-id="inner"]', 'data-pid')).toBe(formatPid(innerPid));

      // Choosing a pid in the tree selects that process: the detail pane and the table's row.
      await inner.getByRole('button').click();
      await expect.poll(() => page.textContent('#detail-body [data-field="pid"]'), { timeout: PAGE_WAIT_MS }).toBe(formatPid(innerPid));
      expect(await page.textContent('#detail-body [data-field="actor"]')).toBe('InnerSup');
      // Its supervisors, from the tree: the root over it.
      await expect.poll(() => page.textContent('#detail-body [data-field="supervisorPath"]'), { timeout: PAGE_WAIT_MS }).toBe(`root ${formatPid(app.root)}`);
      await expect.poll(() => page.getAttribute(`#processes tbody tr[data-id="${innerPid}"]`, 'aria-current'), { timeout: PAGE_WAIT_MS }).toBe('true');
      expect(await page.getAttribute('#tree li[data-id="inner"]', 'aria-current')).toBe('true');

      // 'b' is transient: ended with 'shutdown' it stays down, and Refresh shows it as not running.
      const b = (await page.getAttribute('#tree li[data-id="b"]', 'data-pid'))!;
      const bPid = (await (await fetch(`${observer.url}/api/processes/${encodeURIComponent(b)}`)).json()) as { id: Pid };
      const exited = rt.awaitExit(bPid.id);
      rt.exit(bPid.id, 'shutdown');
      expect(await exited).toBe('shutdown');
      await expect
        .poll(
          async () => {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return page.getAttribute('#tree li[data-id="b"]', 'data-running');
          },
          { timeout: PAGE_WAIT_MS },
        )
        .toBe('false');
      expect(await page.textContent('#tree li[data-id="b"] > .node')).toContain('not running');
      expect(pageErrors).toEqual([]);
      expect(failedRequests).toEqual([]);
    } finally {
      await observer.close();
    }
  }, TEST_TIMEOUT_MS);

  it('traces the selected relay: its receives and sends as they happen, Stop, then a trace that ends at its limit', async () => {
    const observer = await observe(rt, { port: 0 });
    try {
      const relay = await started(rt.spawnOn(1, Relay, inbox.pid));
      await page.goto(observer.url + '/');
      await waitForTable((pids) => pids.includes(formatPid(relay)), 'the relay');
      await page.locator(`#processes tbody tr[data-id="${relay}"]`).getByRole('button').click();
      await expect.poll(() => page.textContent('#detail-body [data-field="pid"]'), { timeout: PAGE_WAIT_MS }).toBe(formatPid(relay));
      expect(await page.inputValue('#trace-limit')).toBe('100');

      // The observer's tracer is an inbox that monitors nothing (a call's inbox, as the tree's calls use, monitors its callee).
      const tracerCandidates = async () =>
        new Set((await rt.processes()).filter((p) => p.actor === 'strand.InboxRelay' && p.monitors.length === 0).map((p) => p.pid));
      const before = await tracerCandidates();
      await page.getByRole('button', { name: 'Trace', exact: true }).click();
      const logged = () => page.$$eval('#trace-log li', (lines) => lines.map((l) => l.getAttribute('data-event')));
      // The trace starts when the observer's stream opens: messages until the log shows the relay got one and passed it on.
      let n = 0;
      await expect
        .poll(
          async () => {
            rt.send(relay, { n: n++, html: '<b>not markup</b>' });
            return logged();
          },
          { timeout: PAGE_WAIT_MS },
        )
        .toEqual(expect.arrayContaining(['receive', 'send']));
      const first = page.locator('#trace-log li[data-event="receive"]').first();
      expect(await first.locator('.details').textContent()).toMatch(/^\{"message":\{"n":\d+,"html":"<b>not markup<\/b>"\}\}$/);
      expect(await first.locator('.time').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      expect(await page.locator('#trace-log li[data-event="send"] .details').first().textContent()).toContain(`"to":"${formatPid(inbox.pid)}"`);
      expect(await page.locator('#trace-log b').count()).toBe(0);
      const tracers = [...(await tracerCandidates())].filter((pid) => !before.has(pid));
      expect(tracers).toHaveLength(1);

      await page.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => page.textContent('#trace-status'), { timeout: PAGE_WAIT_MS }).toBe(`${formatPid(relay)}: trace stopped: by you`);
      expect(await page.isDisabled('#trace-stop')).toBe(true);
      // The fetch aborted, the observer saw its client go: it stopped the trace and closed its tracer.
      await expect.poll(() => rt.processInfo(tracers[0]!), { timeout: PAGE_WAIT_MS }).toBeUndefined();

      // A second trace, of two events: the log says it ended at its limit.
      await page.getByLabel('Trace at most (events)').fill('2');
      await page.getByRole('button', { name: 'Trace', exact: true }).click();
      await expect
        .poll(
          async () => {
            rt.send(relay, { n: n++ });
            return page.textContent('#trace-status');
          },
          { timeout: PAGE_WAIT_MS },
        )
        .toBe(`${formatPid(relay)}: trace ended: limit reached`);
      expect(await page.locator('#trace-log li').count()).toBe(2);
      expect(await page.isDisabled('#trace-start')).toBe(false);
      expect(pageErrors).toEqual([]);
      expect(failedRequests).toEqual([]);
    } finally {
      await observer.close();
    }
  }, TEST_TIMEOUT_MS);
});
