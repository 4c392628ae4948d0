// What both chaos suites run: a supervised application of echo servers (each
// registered under its id), a replayable random generator, and the check that
// the tree is whole again.
import { type Application, Strand } from '@strand/otp';
import { EchoServer } from './fixtures/handlers.js';

const PRELOAD = new URL('../../pool/test/fixtures/register-tsx.mjs', import.meta.url).href;
/** Echo servers under the root: `echo-0` … */
export const SERVERS = 3;

/** 2 schedulers; a root that restarts as often as the chaos asks. */
export function startEchoApplication(): Promise<Application> {
  return Strand.start({
    schedulers: 2,
    preload: [PRELOAD],
    onCrash: () => {},
    onStall: () => {},
    handleSignals: false,
    flags: { strategy: 'one_for_one', intensity: 1_000, period: 1_000 },
    children: Array.from({ length: SERVERS }, (_, i) => ({ id: `echo-${i}`, start: { actor: EchoServer, args: [`echo-${i}`] } })),
  });
}

/** A small deterministic generator, so that a failing run can be replayed. */
export function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/**
 * Every child running and registered under its id. A root lost with its thread is started again by
 * the master: until it is, asking the old one fails, which is "not yet".
 */
export function treeWhole(app: Application): Promise<boolean> {
  return app.whichChildren().then(
    (children) => children.every((c) => c.pid !== undefined && app.runtime.whereis(c.id) === c.pid),
    () => false,
  );
}
