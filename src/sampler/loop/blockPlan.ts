import type { CanvasState } from './canvasState';

/**
 * Semi-autoregressive decoding of one row. The row's initial pending (hole) positions, left to right, are
 * cut into blocks of `blockSize` (one block when unset); only the leftmost unfinished block is
 * eligible. The step budget S is split across the row's nb blocks: block j gets
 * floor(S / nb) + (j < S mod nb ? 1 : 0) steps, at least 1. A block that finishes early hands its
 * remaining steps to nobody: the row just ends sooner.
 */
export class RowPlan {
  private block = 0;
  /** Steps already spent on the current block. */
  private spent = 0;

  private constructor(
    // rewritten where a hole grows (`split`)
    private blocks: readonly number[][],
    private readonly blockSteps: readonly number[],
  ) {}

  static create(pendingPositions: number[], blockSize: number | undefined, steps: number): RowPlan {
    if (pendingPositions.length === 0) return new RowPlan([], []);
    const size = blockSize ?? pendingPositions.length;
    const blocks: number[][] = [];
    for (let i = 0; i < pendingPositions.length; i += size) blocks.push(pendingPositions.slice(i, i + size));
    const base = Math.floor(steps / blocks.length);
    const extra = steps % blocks.length;
    return new RowPlan(blocks, blocks.map((_, j) => Math.max(1, base + (j < extra ? 1 : 0))));
  }

  /** Most steps this row can take. */
  get budget(): number {
    return this.blockSteps.reduce((sum, s) => sum + s, 0);
  }

  get done(): boolean {
    return this.block >= this.blocks.length;
  }

  /** Positions of the current block (revealed ones included). */
  get blockPositions(): readonly number[] {
    return this.blocks[this.block]!;
  }

  /** 1-based index of this step within the current block. */
  get localStep(): number {
    return this.spent + 1;
  }

  get blockStepCount(): number {
    return this.blockSteps[this.block]!;
  }

  get isLastLocalStep(): boolean {
    return this.localStep >= this.blockStepCount;
  }

  /**
   * After the slot at `position` split in two (loop/holeGrowth.ts): its hole's later positions, up
   * to its old `end`, move one right, and `position + 1` joins `position`'s block.
   */
  split(position: number, end: number): void {
    this.blocks = this.blocks.map((block) =>
      block.flatMap((q) => (q === position ? [q, q + 1] : q > position && q <= end ? [q + 1] : [q])),
    );
  }

  /** After a step: move to the next block once this one has no pending position left. */
  advance(state: CanvasState, row: number): void {
    this.spent++;
    while (!this.done && this.blockPositions.every((p) => !state.isPending(row, p))) {
      this.block++;
      this.spent = 0;
    }
  }
}
