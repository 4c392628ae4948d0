/**
 * The runtime's dirty service: takes `DirtyRequest`s on the main thread,
 * runs each on a Piscina pool (created on first use), and replies to the
 * requesting process. A cancel aborts the task.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { type Inbox, type Pid, type Ref, TIMEOUT } from '@strand/core';
import type { DirtyReply, DirtyRequest } from './dirty.js';
import type { DirtyThreadInit } from './dirty-thread.js';

export interface DirtyOptions {
  /** Dirty threads at most; default one per core. */
  readonly threads?: number;
}

export class DirtyService {
  private pool: Piscina | undefined;
  private readonly running = new Map<Ref, AbortController>();
  private stopped = false;

  constructor(
    private readonly inbox: Inbox,
    private readonly reply: (to: Pid, message: DirtyReply) => void,
    private readonly options: DirtyOptions,
    private readonly loaders: readonly string[],
    private readonly preload: readonly string[],
  ) {
    void this.serve();
  }

  /** Tasks from now on run in a new pool, which loads their modules anew; running ones finish in the old. */
  reload(): void {
    const old = this.pool;
    this.pool = undefined;
    void old?.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inbox.close();
    for (const controller of this.running.values()) controller.abort();
    await this.pool?.close({ force: true });
  }

  private async serve(): Promise<void> {
    while (!this.stopped) {
      const request = (await this.inbox.receive()) as DirtyRequest | typeof TIMEOUT;
      if (request === TIMEOUT) return;
      if (request.type === 'dirty-cancel') this.running.get(request.ref)?.abort();
      else void this.run(request);
    }
  }

  private async run(request: Extract<DirtyRequest, { type: 'dirty' }>): Promise<void> {
    const controller = new AbortController();
    this.running.set(request.ref, controller);
    try {
      const value: unknown = await this.piscina().run(
        { module: request.module, name: request.name, args: request.args },
        { signal: controller.signal },
      );
      this.reply(request.from, { type: 'dirty-reply', ref: request.ref, ok: true, value });
    } catch (error) {
      if (controller.signal.aborted) return;
      const e = error instanceof Error ? error : new Error(String(error));
      this.reply(request.from, {
        type: 'dirty-reply',
        ref: request.ref,
        ok: false,
        error: e.stack === undefined ? { name: e.name, message: e.message } : { name: e.name, message: e.message, stack: e.stack },
      });
    } finally {
      this.running.delete(request.ref);
    }
  }

  private piscina(): Piscina {
    this.pool ??= new Piscina({
      filename: new URL('./dirty-thread.js', import.meta.url).href,
      workerData: { loaders: this.loaders, preload: this.preload } satisfies DirtyThreadInit,
      maxThreads: this.options.threads ?? availableParallelism(),
      minThreads: 0,
    });
    return this.pool;
  }
}
