// The dashboard's files as served: the page, its script and style, uPlot from
// node_modules, each with its content type and a policy that lets the page load
// only what the observer serves; public with a token while the API stays
// guarded; and shipped in the package, where the compiled code finds them.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strand, type Runtime } from '@strand/pool';
import { observe, type Observer } from '@strand/observer';

let rt: Runtime;

beforeAll(async () => {
  rt = await Strand.start({ schedulers: 1 });
});

afterAll(async () => {
  await rt.stop();
});

async function withObserver(token: string | undefined, use: (observer: Observer) => Promise<void>): Promise<void> {
  const observer = await observe(rt, { port: 0, ...(token === undefined ? {} : { token }) });
  try {
    await use(observer);
  } finally {
    await observer.close();
  }
}

const FILES = [
  ['/', 'text/html', '<table id="processes">'],
  ['/assets/dashboard.js', 'text/javascript', 'streamSamples'],
  ['/assets/dashboard.css', 'text/css', '.processes'],
  ['/assets/uPlot.iife.min.js', 'text/javascript', 'uPlot'],
  ['/assets/uPlot.min.css', 'text/css', '.uplot'],
] as const;

describe('dashboard files', () => {
  it('serves the page, its script and style, and uPlot, each with its type and a same-origin-only policy', async () => {
    await withObserver(undefined, async (observer) => {
      for (const [path, type, content] of FILES) {
        const response = await fetch(observer.url + path);
        expect(response.status, path).toBe(200);
        expect(response.headers.get('content-type'), path).toContain(type);
        expect(response.headers.get('content-security-policy'), path).toContain("script-src 'self'");
        expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(await response.text(), path).toContain(content);
      }
      expect((await fetch(observer.url + '/assets/nothing.js')).status).toBe(404);
    });
  });

  it('with a token, the files are public and every API call still needs the bearer', async () => {
    await withObserver('sesame', async (observer) => {
      for (const [path] of FILES) expect((await fetch(observer.url + path)).status, path).toBe(200);
      expect((await fetch(observer.url + '/api/processes')).status).toBe(401);
      expect((await fetch(observer.url + '/api/events')).status).toBe(401);
      expect((await fetch(observer.url + '/metrics')).status).toBe(401);
      // Only GET of a listed file is public: another method on the page's path is still refused.
      expect((await fetch(observer.url + '/', { method: 'POST' })).status).toBe(401);
      const guarded = await fetch(observer.url + '/api/schedulers', { headers: { authorization: 'Bearer sesame' } });
      expect(guarded.status).toBe(200);
    });
  });

  it('ships the page sources in the package', () => {
    const cwd = new URL('..', import.meta.url);
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8' })) as {
      files: { path: string }[];
    }[];
    const paths = pack!.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['src/page/dashboard.html', 'src/page/dashboard.js', 'src/page/dashboard.css', 'dist/dashboard.js']));
  });
});
