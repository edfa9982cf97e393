import { Worker } from 'node:worker_threads';

/** How often the worker checks that its parent is alive. */
const CHECK_MS = 1000;

/**
 * Ends this process (the inference worker) once its parent is gone. The parent's closing of stdin
 * normally ends it, but a worker stuck in a forward pass that never finishes (an endless Loop)
 * never reads that, and a parent killed outright cannot kill it. So a thread of its own, free while
 * the main thread is inside native code, compares the parent pid once a second: an orphan is
 * re-parented, its ppid changes, and it kills itself (SIGKILL: nothing left to flush, and no
 * native destructor runs under a session still in use).
 */
export function watchForOrphaning(): void {
  const source = `const { workerData } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, ${CHECK_MS});`;
  new Worker(source, { eval: true, workerData: process.ppid }).unref();
}
