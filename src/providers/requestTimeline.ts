import type { PassTime } from './sharedDenoiser';

/** How one inline completion request ended. */
export type RequestOutcome = 'shown' | 'nothing' | 'cancelled' | 'reused' | 'failed';

/**
 * Where one inline completion request's time went, in ms: one debug line of the log per request,
 * which the UI test lines up with the keystroke that caused it (docs/extension.md, "Latency").
 */
export interface RequestTimes {
  /**
   * When the request began, in ms since the epoch (`performance.timeOrigin` based, as in the
   * browser): when VS Code asked, or, for a fill begun ahead (typingAhead.ts), the keystroke.
   */
  readonly at: number;
  readonly outcome: RequestOutcome;
  /** Began → answered. */
  readonly total: number;
  /** Waiting for the typing to pause (the adaptive debounce). */
  readonly debounce: number;
  /** The engine's whole fill, its forward passes included; 0 when no fill ran. */
  readonly fill: number;
  /** The forward passes as the engine waited for them: the worker hop and `queued` included. */
  readonly model: number;
  /** Of `model`, waiting for passes of other fills to finish (a superseded fill's running pass). */
  readonly queued: number;
  readonly calls: number;
  /** The fill was served from the engine's cache. */
  readonly cached: boolean;
  /** The fill's deadline stopped it before its last step (fillDeadline.ts): `calls` are fewer than its steps ask. */
  readonly cutShort: boolean;
}

/** The epoch in ms with a fraction, on the monotonic clock. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Collects the stages of one request as they happen. Pure; the clock is injected for tests. */
export class RequestTimeline {
  private readonly at: number;
  private fillStart: number | undefined;
  private fillEnd: number | undefined;
  private model = 0;
  private queued = 0;
  private calls = 0;
  private cached = false;
  private cutShort = false;

  constructor(private readonly now: () => number = epochNow) {
    this.at = now();
  }

  /** The debounce is over: the fill begins. */
  fillStarted(): void {
    this.fillStart = this.now();
  }

  forwardPass({ queued, ms }: PassTime): void {
    this.model += queued + ms;
    this.queued += queued;
    this.calls++;
  }

  filled({ cached, cutShort }: { readonly cached: boolean; readonly cutShort: boolean }): void {
    this.fillEnd = this.now();
    this.cached = cached;
    this.cutShort = cutShort;
  }

  finish(outcome: RequestOutcome): RequestTimes {
    const end = this.now();
    const fill = this.fillStart === undefined ? 0 : (this.fillEnd ?? end) - this.fillStart;
    return {
      at: this.at,
      outcome,
      total: end - this.at,
      debounce: this.fillStart === undefined ? 0 : this.fillStart - this.at,
      fill,
      model: this.model,
      queued: this.queued,
      calls: this.calls,
      cached: this.cached,
      cutShort: this.cutShort,
    };
  }
}

/** The log line: a fixed word, then the times as JSON (ms rounded to 0.1), which the UI test parses. */
export function timelineLine(times: RequestTimes): string {
  const rounded = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v]));
  return `${TIMELINE_WORD} ${JSON.stringify(rounded)}`;
}

export const TIMELINE_WORD = 'timeline';
