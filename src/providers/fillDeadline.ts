import type { StepInfo } from '../sampler';
import type { PassTime } from './sharedDenoiser';

/**
 * The default time budget of an automatic ghost-text fill (`diffuse.autoFillDeadlineMs`), in ms
 * of the fill's own work (`FillDeadline`: from its first forward pass, less its waits behind other
 * fills' passes; the debounce before it is not counted). Users expect ghost text within a few hundred ms or
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
 * completes at once, with no mask left. Pure; the clock is injected for tests. One per fill.
 *
 * The budget is the fill's own work: the clock starts where its first forward pass began, and a
 * later pass's wait behind another fill's (a superseded fill's pass still running: onnxruntime
 * cannot stop it) is taken off, so neither the setup before the first pass (the syntax checker's
 * first load, say) nor the queue cuts a fill that would have run in time on its own.
 */
export class FillDeadline {
  /** Where the fill's first forward pass began; undefined before it ended. */
  private started: number | undefined;
  /** Time later passes waited behind other fills' passes. */
  private queued = 0;
  private _cutShort: CutShort | undefined;

  constructor(private readonly ms: number, private readonly now: () => number = () => performance.now()) {}

  /**
   * The deadline of an automatic ghost-text fill under `diffuse.autoFillDeadlineMs`, `ms`
   * (undefined: no limit). A fill the user asked for (an explicit trigger, "Diffuse fill") gets
   * none: it runs every step.
   */
  static forAutomaticFill(ms: number | undefined, now?: () => number): FillDeadline | undefined {
    return ms === undefined ? undefined : new FillDeadline(ms, now);
  }

  /** Where it cut the fill short; undefined while (or when) the fill ran every step. */
  get cutShort(): CutShort | undefined {
    return this._cutShort;
  }

  /** A forward pass of the fill ended (`SharedDenoiser`'s report, before the sampler's step sees its logits). */
  passed(time: PassTime): void {
    if (this.started === undefined) this.started = this.now() - time.ms;
    else this.queued += time.queued;
  }

  /** The sampler's `onStep` verdict: 'stop' past the deadline, unless nothing is left to settle (the fill ends here anyway). */
  onStep(step: StepInfo): 'stop' | undefined {
    if (step.pending === 0 || this.started === undefined || this.now() - this.started - this.queued <= this.ms) return undefined;
    this._cutShort = { deadlineMs: this.ms, step: step.step, totalSteps: step.totalSteps };
    return 'stop';
  }
}
