import type { DiffusionSpec } from '../types';
import type { RowPlan } from './blockPlan';
import type { CanvasState } from './canvasState';

/**
 * Holes that grow where the model asks (DreamOn's expand token; the model was trained with expand
 * slots, training/diffuse/expand.py): a hole slot revealed as the expand token stands for two
 * tokens or more, so it becomes two masked slots, and the hole's later slots move one right.
 *
 * A hole grows into its room: the padding ids that follow it in the input canvas, which is how the
 * engine shows a row shorter than the canvas's hole (src/infill/rows.ts), so the text after the
 * hole never moves and a context cache stays valid (the room is run with the holes, `freshPositions`).
 * The expand token is left out of a position's distribution (`distributionIds`) where its hole has
 * no room left, and where its row takes its block's last step, since a split slot needs a step to
 * be filled; the final noise removal and the anytime and pruning finishes never take it either. Two
 * expands revealed in one step where the room holds one: the later in the hole splits, the other is
 * masked again. Growth draws no uniform: the RNG order is the sampler's.
 */
export class HoleGrowth {
  // room: [batch * length], at each hole's last position the padding slots after it not yet taken
  private readonly room: Int32Array;
  // open: [batch], 1 while the row may grow in this step (it is not at its block's last step)
  private readonly open: Uint8Array;

  private constructor(
    private readonly state: CanvasState,
    private readonly expandId: number,
    padId: number,
  ) {
    const { batch, length } = state;
    this.room = new Int32Array(batch * length);
    this.open = new Uint8Array(batch);
    for (let row = 0; row < batch; row++) {
      for (let p = 0; p < length; p++) {
        if (!state.isMasked(row, p) || state.holeEnd(row, p) !== p) continue;
        let q = p + 1;
        while (q < length && state.tokenAt(row, q) === padId) q++;
        this.room[row * length + p] = q - p - 1;
      }
    }
  }

  /** Growth for a run of `spec` on `state` (as the input canvas holds it), or undefined where the model has no expand token. */
  static create(spec: DiffusionSpec, state: CanvasState): HoleGrowth | undefined {
    return spec.expandId === undefined ? undefined : new HoleGrowth(state, spec.expandId, spec.padId);
  }

  /** Whether `row` may grow in the step it is taking. */
  setOpen(row: number, open: boolean): void {
    this.open[row] = open ? 1 : 0;
  }

  /** Whether the expand token may be revealed at `position` of `row` (a hole position) now. */
  allows(row: number, position: number): boolean {
    return this.open[row] === 1 && this.room[row * this.state.length + this.state.holeEnd(row, position)]! > 0;
  }

  /**
   * The positions a context-cached call runs: every hole position of any row and the room after
   * it, which a growing hole fills, ascending.
   */
  freshPositions(): Int32Array {
    const { length } = this.state;
    const fresh = new Uint8Array(length);
    for (const p of this.state.holePositions()) fresh[p] = 1;
    // each hole's room, kept at its last position (0 elsewhere)
    this.room.forEach((slots, i) => fresh.fill(1, (i % length) + 1, (i % length) + 1 + slots));
    const positions: number[] = [];
    fresh.forEach((isFresh, p) => {
      if (isFresh === 1) positions.push(p);
    });
    return Int32Array.from(positions);
  }

  /** After `row`'s reveals of a step: each slot of `plan`'s block revealed as the expand token splits, the last first. Whether one did. */
  grow(row: number, plan: RowPlan): boolean {
    const { state, expandId } = this;
    const expands = plan.blockPositions.filter((p) => !state.isMasked(row, p) && state.tokenAt(row, p) === expandId).reverse();
    let split = false;
    for (const position of expands) {
      const end = state.holeEnd(row, position);
      const at = row * state.length + end;
      if (this.room[at]! === 0) {
        state.remask(row, position);
        continue;
      }
      state.splitSlot(row, position);
      plan.split(position, end);
      this.room[at + 1] = this.room[at]! - 1;
      this.room[at] = 0;
      split = true;
    }
    return split;
  }
}
