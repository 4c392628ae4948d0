/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * The demo page in a real browser, as a person uses it (`npm start`: the
 * demo with its two peers beside it): three long jobs whose progress bars
 * advance from the server's progress stream, then a stream of short requests
 * whose waits reach the chart, on all three servers. Asserts what is shown,
 * never how fast. `UPDATE_SCREENSHOTS=1` also saves docs/demo-live.png.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, startDemo } from './demo-process.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
/** Outcome bound for each wait in the page (ms): the machine is shared, and three servers compute at once. */
const OUTCOME_MS = 150_000;
/** Chart points before the screenshot: about 20 s of short requests, for lines that have had time to part. */
const SCREENSHOT_POINTS = 40;

let demo: DemoProcess;
let browser: Browser;
let page: Page;

// Outside CI a machine without Chromium skips this; under CI (which installs it) its absence fails the test.
const skip = !existsSync(CHROMIUM) && process.env.CI === undefined;

describe.skipIf(skip)(`the live demo page${skip ? ` (skipped: no ${CHROMIUM} outside CI)` : ''}`, () => {
  beforeAll(async () => {
    demo = await startDemo(['--side-by-side'], (out) => (out.match(/^side by side: /gm) ?? []).length === 2);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.base}/`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  }, 60_000);

  /** The progress bars of this page's jobs, in the list's order. */
  const bars = () =>
    page.$$eval('#jobs li.job', (items) =>
      items.map((li) => ({ value: li.querySelector('progress')!.value, done: li.classList.contains('done') })),
    );

  it('shows three long jobs whose progress bars advance between two readings', async () => {
    await page.getByText('live: progress').waitFor({ timeout: OUTCOME_MS });
    await page.getByLabel('Long jobs').fill('3');
    await page.getByRole('button', { name: 'Start 3 long jobs' }).click();
    await page.waitForFunction(
      () => [...document.querySelectorAll('#jobs li.job progress')].filter((b) => (b as HTMLProgressElement).value > 0).length === 3,
      undefined,
      { timeout: OUTCOME_MS },
    );
    const first = await bars();
    expect(first).toHaveLength(3);
    await page.waitForFunction(
      (before) =>
        [...document.querySelectorAll('#jobs li.job')].every(
          (li, i) => li.classList.contains('done') || li.querySelector('progress')!.value > before[i]!.value,
        ),
      first,
      { timeout: OUTCOME_MS },
    );
    const second = await bars();
    second.forEach((bar, i) => expect(bar.done || bar.value > first[i]!.value).toBe(true));
    expect(await page.locator('#jobs li.job').first().textContent()).toMatch(/multiplications|digits/);
  });

  it('fires short requests at all three servers and the chart receives their points', async () => {
    await page.getByRole('button', { name: 'Fire short requests' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Stop short requests' }).getAttribute('aria-pressed')).toBe('true');
    const points = () => page.locator('#latency').getAttribute('data-points').then(Number);
    await page.waitForFunction(() => Number(document.getElementById('latency')!.dataset.points) >= 3, undefined, { timeout: OUTCOME_MS });
    expect(await points()).toBeGreaterThanOrEqual(3);
    // Each server's row: a p50 and p99 in ms (answered or still waiting), and no request refused (CORS, a closed port).
    const rows = () => page.$$eval('#servers tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent!.trim())));
    await page.waitForFunction(
      () => [...document.querySelectorAll('#servers tbody tr')].every((tr) => / ms$/.test(tr.children[2]!.textContent ?? '')),
      undefined,
      { timeout: OUTCOME_MS },
    );
    const table = await rows();
    expect(table.map((r) => r[0])).toEqual(['Strand, least-attained', 'Strand, round-robin', 'plain node:http']);
    for (const row of table) {
      expect(row[1]).toMatch(/^[\d,]+ ms$/);
      expect(row[4], `failed requests to ${row[0]}`).toBe('0');
    }
    if (SCREENSHOTS) {
      await page.waitForFunction((n) => Number(document.getElementById('latency')!.dataset.points) >= n, SCREENSHOT_POINTS, { timeout: OUTCOME_MS });
      await page.screenshot({ path: fileURLToPath(new URL('../../../docs/demo-live.png', import.meta.url)) });
    }
  });
});
