import type { StepInfo } from '../sampler';

/**
 * The default time budget of an automatic ghost-text fill (`diffuse.autoFillDeadlineMs`), in ms
 * from the fill's start (after the debounce). Users expect ghost text within a few hundred ms or
 * none (UX.md); the local peers cut a completion off at 375 ms (Continue's hard stop) to 500 ms
 * (llama.vscode's `t_max_predict_ms`, lowered to 0.5 s "to make the plugin more responsive";
 * PEERS.md §A.2, §A.3, §B.5). We take the upper one: the bundled model fills a line in about 0.2 s
 * (0.35 s at the 95th percentile) on 2 CPU cores (README, "Hardware"), so at its defaults it runs
 * every step, with the quality those defaults were chosen for, and the budget cuts only a slower
 * model or machine, whose ghost text then comes after the budget and the forward pass under way
 * instead of seconds late.
 */
export const AUTO_FILL_DEADLINE_MS = 500;

/** Where a deadline cut a fill short: the step after which it finished greedily, of the steps it had. */
export interface CutShort {
  readonly deadlineMs: number;
  readonly step: number;
  readonly totalSteps: number;
}

/**
 * The diffusion sampler's anytime stop on a clock: once a fill has run longer than `ms`, the next
 * step's `onStep` answers 'stop', and the sampler settles every position still pending greedily
 * from the logits of its last forward pass (no further pass, unless a hole grew since), so the fill
 * completes at once, with no mask left. Pure; the clock is injected for tests. One per fill: its
 * clock starts when it is made.
 */
export class FillDeadline {
  private readonly started: number;
  private _cutShort: CutShort | undefined;

  constructor(private readonly ms: number, private readonly now: () => number = () => performance.now()) {
    this.started = now();
  }

  /**
   * The fill's deadline: automatic ghost text runs under `automaticMs` (undefined: no limit); a
   * fill the user asked for (an explicit trigger, "Diffuse fill") waits for every step.
   */
  static forFill(automatic: boolean, automaticMs: number | undefined, now?: () => number): FillDeadline | undefined {
    return automatic && automaticMs !== undefined ? new FillDeadline(automaticMs, now) : undefined;
  }

  /** Where it cut the fill short; undefined while (or when) the fill ran every step. */
  get cutShort(): CutShort | undefined {
    return this._cutShort;
  }

  /** The sampler's `onStep` verdict: 'stop' past the deadline, unless nothing is left to settle (the fill ends here anyway). */
  onStep(step: StepInfo): 'stop' | undefined {
    if (step.pending === 0 || this.now() - this.started <= this.ms) return undefined;
    this._cutShort = { deadlineMs: this.ms, step: step.step, totalSteps: step.totalSteps };
    return 'stop';
  }
}
