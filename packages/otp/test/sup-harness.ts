/**
 * What the supervisor suites share: a test inbox that gets the children's
 * events (through a Recorder, in causal order), a way to start a TestSup
 * through a Starter (its parent), and the supervisor API from plain code.
 */
import { type ExitReason, type Inbox, type Pid } from '@strand/core';
import { type ChildCounts, type ChildInfo, type SupervisorFlags, SupervisorRequests, callFrom, unwrap } from '@strand/otp';
import { expect } from 'vitest';
import { type Node, castFrom, expectMessage, has } from './behaviour-modes.js';
import { type ChildEvent, type ChildTemplate, Recorder, TestSup } from './fixtures/sup-children.js';
import { Starter, type StarterReport, wire } from './fixtures/starter.js';

const EVENT_TAGS = new Set(['start', 'stopping', 'ignored', 'marker']);

function isEvent(m: unknown): m is ChildEvent {
  return typeof m === 'object' && m !== null && EVENT_TAGS.has((m as { tag?: string }).tag ?? '');
}

export class SupWorld {
  readonly inbox: Inbox;
  readonly recorder: Pid;
  private markers = 0;

  constructor(readonly node: Node) {
    this.inbox = node.inbox();
    this.recorder = node.spawn(Recorder.actor, null, this.inbox.pid);
  }

  /** Starts TestSup(flags, children) under a Starter; resolves once startLink returned. */
  async start(flags: SupervisorFlags, children: readonly ChildTemplate[]): Promise<{ sup: Pid; starter: Pid }> {
    const { starter, result } = await this.tryStart(flags, children);
    if (result.tag !== 'started' || result.pid === undefined) throw new Error(`supervisor did not start: ${JSON.stringify(result)}`);
    return { sup: result.pid, starter };
  }

  /** Like `start`, and returns what startLink gave, success or not. */
  async tryStart(flags: SupervisorFlags, children: readonly ChildTemplate[]): Promise<{ starter: Pid; result: StarterReport }> {
    const starter = this.node.spawn(Starter, this.inbox.pid, wire(TestSup), [flags, children]);
    const result = await expectMessage<StarterReport>(
      this.inbox,
      (m) => has({ tag: 'started', starter })(m) || has({ tag: 'start-failed', starter })(m),
    );
    return { starter, result };
  }

  /** Tells the Starter (the supervisor's parent) to send it an exit signal, as a parent supervisor would. */
  shutdownVia(starter: Pid, reason: ExitReason = 'shutdown'): void {
    this.node.send(starter, { cmd: 'exit', reason });
  }

  /** The exit reason of `pid` as the Starter (its parent) saw it in an EXIT message. */
  async exitSeenByStarter(starter: Pid, pid: Pid): Promise<ExitReason> {
    const got = await expectMessage<{ message: { reason: ExitReason } }>(
      this.inbox,
      (m) => has({ tag: 'starter-got', starter })(m) && has({ type: 'EXIT', from: pid })((m as { message: unknown }).message),
    );
    return got.message.reason;
  }

  /** How child `pid` ended, as the Recorder's monitor (set before the child went past its start) saw it. */
  async exitOf(pid: Pid): Promise<ExitReason> {
    const m = await expectMessage<{ reason: ExitReason }>(this.inbox, has({ tag: 'exit', pid }));
    return m.reason;
  }

  /** The next child event, in causal order. */
  event(): Promise<ChildEvent> {
    return expectMessage<ChildEvent>(this.inbox, isEvent);
  }

  /** The next `n` child events. */
  async events(n: number): Promise<ChildEvent[]> {
    const out: ChildEvent[] = [];
    for (let i = 0; i < n; i++) out.push(await this.event());
    return out;
  }

  /** The next events, as `tag id#n` strings (`stopping` with its reason when it is not 'shutdown'). */
  async trace(n: number): Promise<string[]> {
    return (await this.events(n)).map(describe);
  }

  /** Proves no child event is pending: one sent now through the recorder is the next one received. */
  async expectNoMoreEvents(): Promise<void> {
    this.markers += 1;
    const id = `marker-${this.markers}`;
    await callFrom(this.node, this.recorder, { tag: 'marker', id }, Infinity);
    const next = await this.event();
    expect(next, 'an unexpected child event').toEqual({ tag: 'marker', id });
  }

  async which(sup: Pid | string): Promise<ChildInfo[]> {
    return unwrap<ChildInfo[]>(await callFrom(this.node, sup, SupervisorRequests.which(), Infinity));
  }

  /** Children by id. */
  async children(sup: Pid | string): Promise<Record<string, ChildInfo>> {
    return Object.fromEntries((await this.which(sup)).map((c) => [c.id, c]));
  }

  async count(sup: Pid | string): Promise<ChildCounts> {
    return unwrap<ChildCounts>(await callFrom(this.node, sup, SupervisorRequests.count(), Infinity));
  }

  /**
   * Asks `sup` about child `id` until it has handled the end of `oldPid`
   * (the child is gone from its list or has another pid). A supervisor
   * restarts inside its handling of the EXIT, so the answer tells whether
   * it restarted. No sleeping: each round is one call.
   */
  async afterExitHandled(sup: Pid, id: string, oldPid: Pid): Promise<ChildInfo | undefined> {
    for (let round = 0; round < 100_000; round++) {
      const child = (await this.which(sup)).find((c) => c.id === id);
      if (child === undefined || child.pid !== oldPid) return child;
    }
    throw new Error(`supervisor never handled the end of ${id}`);
  }

  /** Makes a Worker child end with `reason` (its handleCast returns `{ stop: reason }`). */
  stopWorker(pid: Pid, reason: ExitReason): void {
    castFrom(this.node, pid, { op: 'exit', reason });
  }

  /** Makes a Worker child throw. */
  crashWorker(pid: Pid): void {
    castFrom(this.node, pid, { op: 'throw' });
  }
}

export function describe(e: ChildEvent): string {
  if (e.tag === 'marker') return `marker ${e.id}`;
  if (e.tag === 'ignored') return `ignored ${e.id}`;
  const base = `${e.tag} ${e.id}#${e.n}`;
  if (e.tag === 'stopping' && e.reason !== 'shutdown') return `${base} ${JSON.stringify(e.reason)}`;
  return base;
}

/** The pid of each child, by id. */
export function pidsOf(children: Record<string, ChildInfo>): Record<string, Pid | undefined> {
  return Object.fromEntries(Object.entries(children).map(([id, c]) => [id, c.pid]));
}

/** Whether every pid is gone (asks each one's scheduler). */
export async function allGone(node: Node, pids: readonly Pid[]): Promise<boolean> {
  const infos = await Promise.all(pids.map((p) => node.processInfo(p)));
  return infos.every((i) => i === undefined);
}
