/**
 * Application: a runtime with a supervision tree at its root; the tree
 * starts with it, keeps running through a reload (SIGHUP), and stops with it.
 */
import { ownerOf } from '@strand/core/runtime';
import { type Application, Strand, callFrom } from '@strand/otp';
import { afterEach, describe, expect, it } from 'vitest';
import { Staller, TypedCounter } from './fixtures/typed-servers.js';

const preload = [new URL('../../pool/test/fixtures/register-tsx.mjs', import.meta.url).href];
let app: Application | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('application', () => {
  it('starts its tree, reloads on SIGHUP with the tree still serving, and stops it', async () => {
    app = await Strand.start({ schedulers: 2, preload, children: [{ id: 'counter', start: { actor: TypedCounter, args: [40] } }] });
    const [child] = await app.whichChildren();
    expect(child).toMatchObject({ id: 'counter', type: 'worker', restart: 'permanent' });
    const counter = child!.pid!;
    expect(await callFrom(app.runtime, counter, { op: 'add', n: 2 })).toBe('ok');

    process.kill(process.pid, 'SIGHUP');
    // Waits for the outcome: a thread of the new generation.
    const generations = async () => (await app!.runtime.stats()).filter((s) => s.index !== 0).map((s) => s.generation);
    while (!(await generations()).includes(1)) await new Promise((r) => setTimeout(r, 20));
    // The tree runs on: the same counter, its state kept, on its old thread.
    expect((await app.whichChildren())[0]!.pid).toBe(counter);
    expect(await callFrom(app.runtime, counter, { op: 'get' })).toBe(42);
    expect([1, 2]).toContain(ownerOf(counter));

    await app.stop();
    expect(await app.exited).toBe('shutdown');
    app = undefined;
  });

  it('a master lost with its thread (here: killed) ends the application, and stop() still returns', async () => {
    app = await Strand.start({ schedulers: 2, preload, children: [{ id: 'counter', start: { actor: TypedCounter, args: [0] } }] });
    const master = (await app.runtime.processes()).find((p) => p.actor === 'strand.ApplicationMaster')!;
    app.runtime.kill(master.pid);
    expect(await app.exited).toBe('killed');
    await app.stop();
    app = undefined;
  });

  it('a root lost with its thread (another process stalled it) is started again with its tree, and the application goes on', async () => {
    app = await Strand.start({
      schedulers: 2,
      preload,
      stallTimeoutMs: 300,
      onStall: () => {},
      onCrash: () => {},
      children: [{ id: 'counter', start: { actor: TypedCounter, args: [5] } }],
    });
    let ended = false;
    void app.exited.then(() => (ended = true));
    const lost = app.root;
    // The master lives on the main thread: no stall can take it.
    const master = (await app.runtime.processes()).find((p) => p.actor === 'strand.ApplicationMaster')!;
    expect(ownerOf(master.pid)).toBe(0);
    app.runtime.spawnOn(ownerOf(lost), Staller);
    while (app.root === lost) await new Promise((r) => setTimeout(r, 20));
    const [child] = await app.whichChildren();
    expect(child).toMatchObject({ id: 'counter', type: 'worker' });
    expect(await callFrom(app.runtime, child!.pid!, { op: 'get' })).toBe(5);
    expect(ended).toBe(false);
    await app.stop();
    expect(await app.exited).toBe('shutdown');
    app = undefined;
  }, 30_000);
});
