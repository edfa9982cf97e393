/** `vscode.l10n.t`, given by the caller, so the wording is plain code that unit tests read. */
export type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

/** One hole of a "Diffuse fill" whose holes are filled one after another: which (1-based) of how many. Made by `holePlace` alone. */
export interface HolePlace {
  readonly index: number;
  readonly count: number;
}

/** The place of the fill at `index` (0-based, in the order they are made) of a request's `count` filled one after another. */
export function holePlace(index: number, count: number): HolePlace {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) {
    throw new RangeError(`no hole ${index} (0-based) of ${count}`);
  }
  return { index: index + 1, count };
}

/** "hole k of N": the progress notification, the status bar and the denoising view all say it so. */
export function holeOf(hole: HolePlace, t: Translate): string {
  return t('hole {0} of {1}', hole.index, hole.count);
}

/**
 * The status bar's words for a running fill: "filling k/N" (steps), after "hole k of N · " where
 * the fill is one hole of several filled one after another.
 */
export function fillingText(filling: { readonly step: number; readonly totalSteps: number; readonly hole?: HolePlace }, t: Translate): string {
  const steps = t('filling {0}/{1}', filling.step, filling.totalSteps);
  return filling.hole ? `${holeOf(filling.hole, t)} · ${steps}` : steps;
}
