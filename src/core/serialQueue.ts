import { AbortedError } from './errors';

/**
 * Runs async tasks one at a time, first in first out. A task whose signal aborts while it waits
 * is dropped (its caller gets an `AbortedError` at once); one that aborts while it runs still
 * runs to the end — onnxruntime cannot stop a run — but its caller is answered at once and the
 * result is discarded.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closedWith: Error | undefined;

  enqueue<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const onAbort = (): void => settle(() => reject(new AbortedError()));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.tail = this.tail.then(async () => {
        if (settled) return;
        const closedWith = this.closedWith;
        if (closedWith) return settle(() => reject(closedWith));
        try {
          const value = await task();
          settle(() => resolve(value));
        } catch (error) {
          settle(() => reject(error));
        }
      });
    });
  }

  /** Refuses new tasks and rejects waiting ones with `reason`; resolves once the running task (if any) is done. */
  close(reason: Error): Promise<void> {
    this.closedWith ??= reason;
    return this.tail;
  }
}
