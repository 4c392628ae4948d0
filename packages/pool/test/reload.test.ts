// Reload: a new generation of scheduler threads loads the actor modules as
// they are on disk now. New processes run new code, wherever they are
// spawned from; running ones finish on the old code; old threads retire
// once empty, and their dead pids still answer 'noproc'.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Actor, type Inbox, type Pid, TIMEOUT } from '@strand/core';
import { allocatorOf, ownerOf, serialOf } from '@strand/core/runtime';
import { ReloadError, type Runtime, Strand } from '@strand/pool';

// Inside the package, so that the module's bare import of @strand/core resolves as the threads' does.
const dir = mkdtempSync(join(fileURLToPath(new URL('./fixtures/', import.meta.url)), 'reload-'));
const file = join(dir, 'version.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the actor module as version `v`: each process answers which version of the code it runs. */
function writeVersion(v: string): void {
  writeFileSync(
    file,
    `import { actor, receive, self, send, spawn } from '@strand/core';
export const Version = actor(import.meta.url, 'Version', function* () {
  for (;;) {
    const m = yield* receive();
    if (m === 'stop') return;
    if (m.via !== undefined) send(m.via, { to: m.to });
    else if (m.spawnFor !== undefined) send(spawn(Version), { to: m.spawnFor });
    else send(m.to, { version: ${JSON.stringify(v)}, pid: self() });
  }
});
`,
  );
}

type Answer = { readonly version: string; readonly pid: Pid };

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

async function ask(inbox: Inbox, message: Record<string, unknown>, target: Pid): Promise<Answer> {
  rt!.send(target, message);
  const answer = await inbox.receive((m): m is Answer => typeof m === 'object' && m !== null && 'version' in m, 20_000);
  if (answer === TIMEOUT) throw new Error(`no answer to ${JSON.stringify(message)}`);
  return answer;
}

async function generations(): Promise<number[]> {
  return (await rt!.stats()).filter((s) => s.index !== 0).map((s) => s.generation);
}

/** Waits (for an outcome, not a time) until no thread of `generation` is left. */
async function retired(generation: number): Promise<void> {
  while ((await generations()).includes(generation)) await new Promise((r) => setTimeout(r, 50));
}

/** A runtime on version v1 of the module, with one process of it running (and answering 'v1'). */
async function startOnV1(): Promise<{ runtime: Runtime; Version: Actor<[]>; inbox: Inbox; old: Pid }> {
  writeVersion('v1');
  rt = await Strand.start({ schedulers: 2 });
  const runtime = rt;
  const { Version } = (await import(pathToFileURL(file).href)) as { Version: Actor<[]> };
  const inbox = runtime.inbox();
  const old = runtime.spawn(Version);
  expect((await ask(inbox, { to: inbox.pid }, old)).version).toBe('v1');
  return { runtime, Version, inbox, old };
}

describe('reload', () => {
  it('new processes run the new code, running ones keep the old, and the two generations talk', async () => {
    const { runtime, Version, inbox, old } = await startOnV1();

    writeVersion('v2');
    const report = await runtime.reload();
    expect(report.generation).toBe(1);
    expect(report.draining).toEqual([1, 2]);
    expect(report.schedulers.some((i) => i === 1 || i === 2)).toBe(false);
    expect(await generations()).toEqual([0, 0, 1, 1]);

    const fresh = runtime.spawn(Version);
    expect(report.schedulers).toContain(ownerOf(fresh));
    expect((await ask(inbox, { to: inbox.pid }, fresh)).version).toBe('v2');
    // The old process still runs the old code.
    expect((await ask(inbox, { to: inbox.pid }, old)).version).toBe('v1');
    // Messages cross generations both ways.
    expect((await ask(inbox, { to: inbox.pid, via: old }, fresh)).version).toBe('v1');
    expect((await ask(inbox, { to: inbox.pid, via: fresh }, old)).version).toBe('v2');
    // A process spawned by old code goes to the new generation, and runs the new code.
    const child = await ask(inbox, { spawnFor: inbox.pid }, old);
    expect(child.version).toBe('v2');
    expect(report.schedulers).toContain(ownerOf(child.pid));
    // spawnOn counts in the current generation.
    expect(report.schedulers).toContain(ownerOf(runtime.spawnOn(1, Version)));
  });

  it('an old thread retires once its last process ends; its dead pids answer noproc, and its index is reused with fresh pids', async () => {
    const { runtime, Version, inbox, old } = await startOnV1();
    writeVersion('v2');
    await runtime.reload();
    // Only the old process keeps its generation alive.
    expect(await generations()).toContain(0);
    const down = inbox.monitor(old);
    runtime.send(old, 'stop');
    expect(await inbox.receive({ type: 'DOWN', ref: down }, 20_000)).toMatchObject({ reason: 'normal' });
    await retired(0);
    expect(await generations()).toEqual([1, 1]);

    // The retired thread's pids: the main thread answers for them.
    const late = inbox.monitor(old);
    expect(await inbox.receive({ type: 'DOWN', ref: late }, 20_000)).toMatchObject({ reason: 'noproc' });
    expect(await runtime.awaitExit(old)).toBe('noproc');
    runtime.send(old, { to: inbox.pid });
    // A message to it is dropped: the only answer that comes is from a live process asked after it.
    const fresh = runtime.spawn(Version);
    expect((await ask(inbox, { to: inbox.pid }, fresh)).version).toBe('v2');

    // A second reload takes the freed indices again; pids made there continue after the old ones.
    writeVersion('v3');
    const second = await runtime.reload();
    expect(second.generation).toBe(2);
    expect(second.schedulers).toContain(ownerOf(old));
    const reused = runtime.spawnOn(second.schedulers.indexOf(ownerOf(old)) + 1, Version);
    expect(ownerOf(reused)).toBe(ownerOf(old));
    expect(reused).not.toBe(old);
    if (allocatorOf(reused) === allocatorOf(old)) expect(serialOf(reused)).toBeGreaterThan(serialOf(old));
    expect((await ask(inbox, { to: inbox.pid }, reused)).version).toBe('v3');
  });

  it('reloads asked for at once share one generation; a stopping runtime refuses', async () => {
    writeVersion('v1');
    rt = await Strand.start({ schedulers: 1 });
    const [a, b] = await Promise.all([rt.reload(), rt.reload()]);
    expect(a).toBe(b);
    expect(a.generation).toBe(1);
    const stopping = rt.stop();
    await expect(rt.reload()).rejects.toBeInstanceOf(ReloadError);
    await stopping;
    rt = undefined;
  });
});
