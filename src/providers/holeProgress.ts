/** `vscode.l10n.t`, given by the caller, so the wording is plain code that unit tests read. */
export type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

/** One hole of a "Diffuse fill" whose holes are filled one after another: which (1-based) of how many. */
export interface HolePlace {
  readonly index: number;
  readonly count: number;
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
