import { setTimeout as delay } from 'node:timers/promises';

/** What `LatestRequest.begin` needs of a cancellation token (VS Code's `CancellationToken` fits). */
export interface Cancellable {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): unknown };
}

/** One request under way: its signal, a wait that ends early when it is aborted, and `end()` for when it is answered. */
export interface Request {
  readonly signal: AbortSignal;
  /** Resolves to true after `ms`, or to false as soon as the request is aborted. */
  wait(ms: number): Promise<boolean>;
  /** Lets `token`'s cancellation abort it too: VS Code's request that joined a fill begun ahead of it. */
  follow(token: Cancellable): void;
  end(): void;
}

/**
 * The ghost text runs one request at a time and the latest wins: beginning one aborts the one
 * before it, so a superseded fill stops between denoising steps (its waiting forward passes leave
 * the worker's queue; the one already running finishes, onnxruntime cannot stop it) and never
 * delays the fresh one by more than that pass. The caller's cancellation (VS Code cancels a
 * request as soon as the user types on) aborts it too; a request without one (a fill begun ahead
 * of VS Code, typingAhead.ts) ends only by the next, or by the token of the request that joins it
 * (`follow`). Pure.
 */
export class LatestRequest {
  private running: AbortController | undefined;

  begin(token?: Cancellable): Request {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const listening: Array<{ dispose(): unknown }> = [];
    const follow = (cancellable: Cancellable): void => {
      listening.push(cancellable.onCancellationRequested(() => controller.abort()));
      if (cancellable.isCancellationRequested) controller.abort();
    };
    if (token) follow(token);
    return {
      signal: controller.signal,
      // node's timer rejects when the signal aborts, which here means: no longer wanted
      wait: (ms) => delay(ms, true, { signal: controller.signal }).catch(() => false),
      follow,
      end: () => {
        for (const listener of listening.splice(0)) listener.dispose();
        if (this.running === controller) this.running = undefined;
      },
    };
  }
}
