import type { RevealSchedule } from '../api';

/**
 * How many of n masked tokens are revealed by local step i of a block given `steps` steps
 * (i in [0, steps]); always n at the last step. 'linear' reveals evenly (ceil(n i / S));
 * 'cosine' reveals few tokens first and many last (MaskGIT: the masked fraction after step i is
 * cos(π i / 2S)), rounded half up. The caller adds the rule that every step reveals at least one.
 */
export function revealedBy(schedule: RevealSchedule, n: number, i: number, steps: number): number {
  if (i >= steps) return n;
  if (schedule === 'linear') return Math.ceil((n * i) / steps);
  const revealed = Math.floor(n * (1 - Math.cos((Math.PI * i) / (2 * steps))) + 0.5);
  return Math.min(n, revealed);
}
