/**
 * The demo as a person uses it: `npm start` (the server in its own OS
 * process, as `npm run demo` runs it), then requests. Asserts answers, not
 * speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, startDemo } from './demo-process.js';

let demo: DemoProcess;
let base: string;

// Its stderr (the crash and stall lines the chaos tests cause on purpose) goes to the test's: a demo that dies says why.
beforeAll(async () => {
  demo = await startDemo();
  base = demo.base;
}, 180_000);

afterAll(async () => {
  await demo?.stop();
});

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.text() };
}

describe('the factorial demo', () => {
  it('answers n! in full when a person can read it', async () => {
    const { status, body } = await get('/factorial?n=20');
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ n: 20, value: '2432902008176640000', digits: 19 });
  });

  it('gives counts, not the value, beyond 3,000 digits', async () => {
    const at = JSON.parse((await get('/factorial?n=1000')).body);
    expect(at.digits).toBe(2568);
    expect(at.value).toHaveLength(2568);
    const beyond = JSON.parse((await get('/factorial?n=10000')).body);
    expect(beyond).toMatchObject({ n: 10000, digits: 35660, exactDigits: true });
    expect(beyond.value).toBeUndefined();
  });

  it('serves the page and refuses what is not a factorial', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    expect((await get('/factorial?n=-1')).status).toBe(400);
    expect((await get('/nowhere')).status).toBe(404);
    const post = await fetch(base + '/factorial?n=5', { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('contains each kind of chaos: a crash, a stall and a leak cost their own request only', async () => {
    const crash = get('/chaos/crash');
    const stall = get('/chaos/stall');
    const leak = get('/chaos/leak');
    const others = Array.from({ length: 8 }, () => get('/factorial?n=20'));
    expect((await crash).status).toBe(500);
    expect((await stall).status).toBe(500);
    expect((await leak).status).toBe(500);
    expect((await Promise.all(others)).map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(JSON.parse((await get('/factorial?n=20')).body).value).toBe('2432902008176640000');
  });
});
