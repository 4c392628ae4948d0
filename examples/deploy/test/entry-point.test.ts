// The image's entry point, run as the image runs it (`strand start app.ts`
// by node, from this directory), but bound to 127.0.0.1: the probes Kubernetes uses,
// the app's route, and a graceful stop on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('..', import.meta.url).pathname;
/** The Dockerfile's CMD after `node`. */
const ENTRY = ['../../node_modules/@strand/cli/dist/bin.js', 'start', 'app.ts'];

describe('the image entry point', () => {
  it('is the command the Dockerfile runs', () => {
    expect(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')).toContain(`CMD ["node", "${ENTRY.join('", "')}"]`);
  });

  it('serves the probes and the app, and stops gracefully on SIGTERM', async () => {
    const child = spawn(process.execPath, ENTRY, { cwd: DIR, env: { ...process.env, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let port: number | undefined;
      let out = '';
      for await (const chunk of child.stdout!) {
        out += String(chunk);
        for (const line of out.split('\n')) {
          if (line.includes('"msg":"listening"')) port = (JSON.parse(line) as { port: number }).port;
          if (line.includes('"msg":"ready"') && port !== undefined) break;
        }
        if (port !== undefined && out.includes('"msg":"ready"')) break;
      }
      expect(port, out).toBeDefined();
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${base}/`)).text()).toBe('hello, visitor 1\n');
      expect(await (await fetch(`${base}/`)).text()).toBe('hello, visitor 2\n');
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    }
  });
});
