/**
 * A scheduler's status board: a few numbers it writes into shared memory as
 * it runs, so that other threads can read them without asking it: where to
 * place a new process, and whether it is stuck in a process that never yields.
 *
 * The board is a `Float64Array` of `BOARD_SLOTS` entries (usually a view on a
 * `SharedArrayBuffer`). Only the scheduler writes it; readers accept values a
 * moment old.
 */

/** Pid of the process running now; 0 between slices. */
export const BOARD_RUNNING_PID = 0;
/** When the running process's slice began, in ms since the epoch (`performance.timeOrigin + now`). */
export const BOARD_SLICE_STARTED_AT = 1;
/** Processes waiting in the run queue. */
export const BOARD_RUN_QUEUE = 2;
/** Live processes. */
export const BOARD_PROCESSES = 3;
/** Last pid serial the scheduler handed out: a replacement continues after it. */
export const BOARD_LAST_SERIAL = 4;
/** When the scheduler last started a turn, in ms since the epoch. */
export const BOARD_TURN_AT = 5;
/** Reductions run since start. */
export const BOARD_REDUCTIONS = 6;
/** Event-loop utilisation of the thread over its last measuring interval, 0 to 1; written by the thread's host, not the scheduler. */
export const BOARD_UTILISATION = 7;

/** Id (`Actor.id`) of the actor of the running process; 0 between slices. */
export const BOARD_RUNNING_ACTOR = 8;

export const BOARD_SLOTS = 16;
