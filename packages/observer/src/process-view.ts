import { formatPid, type ProcessInfo } from '@strand/core';

/** A process as the API shows it: pids as display text (JSON has no branded numbers) plus the number for URLs. */
export interface ProcessView {
  readonly pid: string;
  readonly id: number;
  readonly actor: string;
  readonly module: string;
  readonly status: ProcessInfo['status'];
  readonly reductions: number;
  readonly mailboxLength: number;
  readonly cpuMs: number;
  readonly startedAt: number;
  readonly ageMs: number;
  readonly registeredName: string | null;
  readonly waitingIn: string | null;
  readonly trapExit: boolean;
  readonly links: string[];
  readonly monitors: string[];
  readonly monitoredBy: string[];
  readonly heapGrowthBytes: number;
}

export function viewOf(info: ProcessInfo, now: number): ProcessView {
  return {
    pid: formatPid(info.pid),
    id: info.pid,
    actor: info.actor,
    module: info.module,
    status: info.status,
    reductions: info.reductions,
    mailboxLength: info.mailboxLength,
    cpuMs: info.cpuMs,
    startedAt: info.startedAt,
    ageMs: Math.max(0, now - info.startedAt),
    registeredName: info.registeredName ?? null,
    waitingIn: info.waitingIn ?? null,
    trapExit: info.trapExit,
    links: info.links.map(formatPid),
    monitors: info.monitors.map(formatPid),
    monitoredBy: info.monitoredBy.map(formatPid),
    heapGrowthBytes: info.heapGrowthBytes,
  };
}

export const SORT_KEYS = ['reductions', 'mailbox', 'cpu', 'age'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const SORT_FIELD: Record<SortKey, (p: ProcessView) => number> = {
  reductions: (p) => p.reductions,
  mailbox: (p) => p.mailboxLength,
  cpu: (p) => p.cpuMs,
  age: (p) => p.ageMs,
};

/** Largest first; pid breaks ties so the order is stable between calls. */
export function sortViews(views: ProcessView[], key: SortKey): ProcessView[] {
  const field = SORT_FIELD[key];
  return views.sort((a, b) => field(b) - field(a) || a.id - b.id);
}
