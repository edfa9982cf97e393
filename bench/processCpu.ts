/**
 * CPU time of this process and of its child processes (the model's session runs in a worker
 * process: src/model/sessionHost.ts), read from /proc on Linux: a fill's CPU time, which other
 * jobs on a shared machine do not inflate as they do its wall time.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** Milliseconds of CPU used so far by this process (all threads) and its live children. */
export function processTreeCpuMs(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + childPids().reduce((sum, pid) => sum + cpuOf(pid), 0);
}

function childPids(): number[] {
  try {
    return readdirSync('/proc/self/task').flatMap((task) =>
      readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number));
  } catch {
    return [];
  }
}

/** utime + stime of `pid` (fields 14 and 15 of /proc/pid/stat, after the parenthesised name). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
