import { upperMedian } from '../core/median';

/** The debounce of a request VS Code makes (the class's comment says why each). */
export const DEBOUNCE_BOUNDS = { first: 120, max: 400, window: 20, idleGap: 1500, hostDelay: 50 };

/**
 * The debounce of a fill begun at the keystroke itself (typingAhead.ts), before VS Code's own
 * debounce: nothing of the wait has passed yet, and every move it sees is a keystroke.
 */
export const TYPING_BOUNDS = { ...DEBOUNCE_BOUNDS, hostDelay: 0 };

/**
 * How long an automatic request waits before filling: long enough that a fast typist's next key
 * lands first (so the model is not run on every keystroke), short enough that a pause shows a
 * suggestion soon. Learns the typing rhythm from the gaps between requests, as their median
 * (Tabby's adaptive mode, simplified). Pure; the clock is injected for tests.
 *
 * The wait is counted from the keystroke: VS Code itself asks only once the typing has paused
 * for `hostDelay` ms (its inline-completions debounce, a fixed 50 ms in VS Code 1.139), so that
 * much of it has already passed when a request arrives. For the same reason two requests less
 * than `hostDelay` apart are not two keystrokes but VS Code asking again (a new line's
 * auto-indent moves the cursor, say): such a gap is no typing rhythm, and counting it once made
 * the wait 10 ms, so that a fill began that the next key superseded, and the fresh fill waited
 * for its running forward pass (half a second on the bundled model).
 *
 * Nor does it wait longer than one forward pass of the model: a fill that begins too early costs
 * the fresh one at most the superseded fill's running pass (onnxruntime cannot stop a run), so
 * a longer wait would cost every suggestion more than it can save one. As passes get faster,
 * the wait shrinks with them. The price is CPU, which `diffuse.trigger` `idle` spares by
 * setting no cap (triggerModes.ts).
 */
export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private lastRequest: number | undefined;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly bounds = DEBOUNCE_BOUNDS,
  ) {}

  /**
   * Records a request now and returns the delay before it should run, in ms; `passMs`, the
   * model's recent forward-pass time, caps it once known.
   */
  next(passMs?: number): number {
    const now = this.now();
    if (this.lastRequest !== undefined) {
      const gap = now - this.lastRequest;
      // A long pause is thinking, not typing rhythm.
      if (gap >= this.bounds.hostDelay && gap < this.bounds.idleGap) this.gaps.push(gap);
      if (this.gaps.length > this.bounds.window) this.gaps.shift();
    }
    this.lastRequest = now;
    const wait = Math.max(0, this.sinceKeystroke() - this.bounds.hostDelay);
    return passMs === undefined ? wait : Math.min(wait, Math.round(passMs));
  }

  /**
   * The whole wait after the last keystroke: 1.5 × the median gap up to `max` (at least 1.5 ×
   * `hostDelay`, the shortest gap counted: 75 ms for a request, no floor for a fill begun at the
   * keystroke); `first` before any gap. The (upper) median, not the mean: a hesitation under
   * `idleGap` still counts as a gap, and a few of them among twenty steady keys dragged the mean,
   * and the wait with it, often up to `max`.
   */
  private sinceKeystroke(): number {
    const gap = upperMedian(this.gaps);
    if (gap === undefined) return this.bounds.first;
    return Math.round(Math.min(this.bounds.max, 1.5 * gap));
  }
}
