// Supervisors report each restart to the process registered as RESTART_REPORTS_NAME (the observer's restart counter).
import { describe, expect, it } from 'vitest';
import { type Inbox, type Pid, TIMEOUT } from '@strand/core';
import {
  DynamicSupervisorRequests,
  RESTART_REPORTS_NAME,
  type RestartReport,
  SupervisorRequests,
  callFrom,
  isRestartReport,
  supervisorKindOf,
  unwrap,
} from '@strand/otp';
import { MODES, expectMessage, has } from './behaviour-modes.js';
import { nodePerTest } from './node-per-test.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';
import { ReportingSup, Reporter } from './fixtures/restarting.js';
import { Pool, Worker } from './fixtures/dynamic.js';

describe.each(MODES)('restart reports ($name)', (mode) => {
  const env = nodePerTest(mode);

  async function startSup(def: Parameters<typeof wire>[0], args: readonly unknown[]): Promise<Pid> {
    const starter = env.node.spawn(Starter, env.inbox.pid, wire(def), args);
    const started = await expectMessage<StarterReport>(env.inbox, has({ tag: 'started', starter }));
    return (started as { pid: Pid }).pid;
  }

  /** An inbox registered under RESTART_REPORTS_NAME. */
  function listen(): Inbox {
    const reports = env.node.inbox();
    env.node.register(RESTART_REPORTS_NAME, reports.pid);
    return reports;
  }

  it('a Supervisor reports each restart, with its actor name, the child id and the reason', async () => {
    const reports = listen();
    const sup = await startSup(ReportingSup, [env.inbox.pid, 'permanent']);
    let up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'up' }));
    for (let i = 0; i < 3; i++) {
      env.node.exit(up.pid, 'kill');
      up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'up' }));
    }
    const got: RestartReport[] = [];
    for (let i = 0; i < 3; i++) got.push(await expectMessage<RestartReport>(reports, isRestartReport));
    expect(got).toEqual(Array.from({ length: 3 }, () => ({ type: 'strand.restart', supervisor: sup, actor: 'ReportingSup', child: 'reporter', reason: 'killed' })));
    expect(await reports.receive(isRestartReport, 0)).toBe(TIMEOUT);
  });

  it('an end that is not restarted (transient, normal) is not reported', async () => {
    const reports = listen();
    const sup = await startSup(ReportingSup, [env.inbox.pid, 'transient']);
    const up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'up' }));
    const ended = env.node.awaitExit(up.pid);
    env.node.send(up.pid, 'stop');
    expect(await ended).toBe('normal');
    // The supervisor has handled the EXIT once it answers a later call (its mailbox is in order).
    const children = unwrap<{ pid: Pid | undefined }[]>(await callFrom(env.node, sup, SupervisorRequests.which()));
    expect(children.map((c) => c.pid)).toEqual([undefined]);
    expect(await reports.receive(isRestartReport, 0)).toBe(TIMEOUT);
  });

  it('a DynamicSupervisor reports restarts with a null child id', async () => {
    const reports = listen();
    const sup = await startSup(Pool, [{ intensity: 10, period: 60_000 }]);
    unwrap(await callFrom(env.node, sup, DynamicSupervisorRequests.start({ start: { actor: Worker, args: [env.inbox.pid, 'w'] } })));
    const up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'worker-up' }));
    env.node.exit(up.pid, 'kill');
    expect(await expectMessage(reports, isRestartReport)).toEqual({ type: 'strand.restart', supervisor: sup, actor: 'Pool', child: null, reason: 'killed' });
  });

  it('with no process under the name, restarts go on and nothing is sent', async () => {
    await startSup(ReportingSup, [env.inbox.pid, 'permanent']);
    const up = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'up' }));
    env.node.exit(up.pid, 'kill');
    const again = await expectMessage<{ pid: Pid }>(env.inbox, has({ tag: 'up' }));
    expect(again.pid).not.toBe(up.pid);
  });
});

describe.each(MODES)('supervisor introspection ($name)', (mode) => {
  const env = nodePerTest(mode);

  it('supervisorFlags answers the resolved flags; supervisorKindOf knows supervisor definitions only', async () => {
    const starter = env.node.spawn(Starter, env.inbox.pid, wire(ReportingSup), [env.inbox.pid, 'permanent']);
    const { pid } = (await expectMessage(env.inbox, has({ tag: 'started', starter }))) as { pid: Pid };
    expect(unwrap(await callFrom(env.node, pid, SupervisorRequests.flags()))).toEqual({ strategy: 'one_for_one', intensity: 10, period: 60_000 });
    const info = (await env.node.processInfo(pid))!;
    expect(supervisorKindOf(info.module, info.actor)).toBe('supervisor');
    expect(supervisorKindOf(Pool.actor.module, Pool.actor.name)).toBe('dynamic');
    expect(supervisorKindOf(Reporter.module, Reporter.name)).toBeUndefined();
  });
});
