/**
 * The supervision tree of a running runtime, for `GET /api/tree`.
 *
 * Supervisors are found by actor: `rt.processes()` gives each process's
 * module and actor name, and `supervisorKindOf` (@strand/otp) says which
 * of those are Supervisor or DynamicSupervisor definitions made in this
 * thread, that is in modules the program imported. Each is asked, with
 * `callFrom`, for its flags and its children (`whichChildren`); a child of
 * type `'supervisor'` is asked in turn even if its definition is not known
 * here. A supervisor that is no child of another is a root.
 *
 * Processes in no supervisor's children (plain processes, inboxes, what a
 * worker spawns unsupervised) are not listed: `unsupervised` counts them.
 */
import { type Pid, type ProcessInfo, formatExitReason, formatPid } from '@strand/core';
import {
  CallError,
  CallTimeoutError,
  type ChildType,
  type ResolvedFlags,
  type RestartType,
  type Strategy,
  SupervisorRequests,
  callFrom,
  supervisorKindOf,
  unwrap,
} from '@strand/otp';
import type { Runtime } from '@strand/pool';

/**
 * How long the tree waits for one supervisor's answer (ms), the default of
 * `call`: a supervisor busy starting or stopping a child answers only
 * after; past this it is shown with an `error` rather than holding the request.
 */
export const TREE_CALL_TIMEOUT_MS = 5_000;

/** A supervisor (root or child) or a worker in the tree. */
export interface TreeNode {
  /** The child spec id; null for a root and for a DynamicSupervisor's children. */
  readonly id: string | null;
  /** Display pid; null for a child that is not running. */
  readonly pid: string | null;
  /** Actor name; null for a child that is not running. */
  readonly actor: string | null;
  readonly type: ChildType;
  /** The child's restart policy; null for a root. */
  readonly restart: RestartType | null;
  /** For a supervisor that answered: its flags and children. */
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly period?: number;
  readonly children?: TreeNode[];
  /** For a supervisor that did not answer: why. */
  readonly error?: string;
}

export interface SupervisionTree {
  /** Supervisors that are no child of another, by pid. */
  readonly roots: TreeNode[];
  /** Live processes that appear nowhere in the tree. */
  readonly unsupervised: number;
}

interface Child {
  readonly id?: string;
  readonly pid: Pid | undefined;
  readonly type: ChildType;
  readonly restart: RestartType;
}

type Description = { readonly flags: ResolvedFlags; readonly children: readonly Child[] } | { readonly error: string };

/** Asks every supervisor of `rt` for its flags and children and assembles the tree. */
export async function supervisionTree(rt: Runtime): Promise<SupervisionTree> {
  const infos = await rt.processes();
  const byPid = new Map<Pid, ProcessInfo>(infos.map((info) => [info.pid, info]));
  const described = new Map<Pid, Description>();
  let asking = infos.filter((info) => supervisorKindOf(info.module, info.actor) !== undefined).map((info) => info.pid);
  while (asking.length > 0) {
    const answers = await Promise.all(asking.map((pid) => describe(rt, pid)));
    asking.forEach((pid, i) => described.set(pid, answers[i]!));
    asking = answers.flatMap((d) =>
      'children' in d ? d.children.filter((c) => c.type === 'supervisor' && c.pid !== undefined && !described.has(c.pid)).map((c) => c.pid!) : [],
    );
  }
  const supervised = new Set<Pid>();
  for (const d of described.values()) if ('children' in d) for (const c of d.children) if (c.pid !== undefined) supervised.add(c.pid);
  // A root that died between the listing and the call is simply gone.
  const roots = [...described]
    .filter(([pid, d]) => !supervised.has(pid) && !('error' in d && d.error === 'noproc'))
    .sort(([a], [b]) => a - b)
    .map(([pid]) => node(pid, { id: null, restart: null, type: 'supervisor' }));
  return { roots, unsupervised: infos.filter((info) => !supervised.has(info.pid) && !described.has(info.pid)).length };

  function node(pid: Pid, as: Pick<TreeNode, 'id' | 'restart' | 'type'>, seen: ReadonlySet<Pid> = new Set()): TreeNode {
    const base = { ...as, pid: formatPid(pid), actor: byPid.get(pid)?.actor ?? null };
    const d = described.get(pid);
    if (d === undefined || seen.has(pid)) return base;
    if ('error' in d) return { ...base, error: d.error };
    const inside = new Set([...seen, pid]);
    return {
      ...base,
      strategy: d.flags.strategy,
      intensity: d.flags.intensity,
      period: d.flags.period,
      children: d.children.map((c) => {
        const spec = { id: c.id ?? null, restart: c.restart, type: c.type };
        return c.pid === undefined ? { ...spec, pid: null, actor: null } : node(c.pid, spec, inside);
      }),
    };
  }
}

async function describe(rt: Runtime, pid: Pid): Promise<Description> {
  try {
    const [flags, children] = await Promise.all([
      callFrom(rt, pid, SupervisorRequests.flags(), TREE_CALL_TIMEOUT_MS).then((a) => unwrap<ResolvedFlags>(a)),
      callFrom(rt, pid, SupervisorRequests.which(), TREE_CALL_TIMEOUT_MS).then((a) => unwrap<Child[]>(a)),
    ]);
    return { flags, children };
  } catch (error) {
    if (error instanceof CallError) return { error: formatExitReason(error.reason) };
    if (error instanceof CallTimeoutError) return { error: `no answer within ${TREE_CALL_TIMEOUT_MS} ms` };
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
