import type { StepContext } from './stepContext';

/**
 * The ids [0, n) a position's distribution covers: the whole vocabulary, but without the expand
 * token (a model's last id, loop/holeGrowth.ts) unless the position's hole may grow now.
 */
export function distributionIds(ctx: StepContext, row: number, position: number): number {
  const { vocabSize, expandId } = ctx.spec;
  return expandId === undefined || ctx.growth?.allows(row, position) ? vocabSize : vocabSize - 1;
}
