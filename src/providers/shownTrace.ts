import type { DenoiseTrace } from '../infill';
import type { CutShort } from './fillDeadline';
import type { HolePlace } from './holeProgress';

/** Which fill a trace is of, as the denoising view names it. */
export interface TraceOrigin {
  /** Workspace-relative file (or the untitled name) and 1-based line of the (first) hole. */
  readonly file?: string;
  readonly line?: number;
  /** Of a fill of several holes at once: each hole's 1-based line, in order (the view labels each hole's tokens with it). */
  readonly holeLines?: readonly number[];
  /** Of a request whose holes were filled one after another: this fill's hole (1-based) and how many the request has. */
  readonly hole?: HolePlace;
  /** When the fill finished (epoch ms) and how long it took. */
  readonly finishedAt: number;
  readonly ms: number;
  /** Where its deadline stopped it (automatic ghost text, fillDeadline.ts): its trace ends at that step. */
  readonly cutShort?: CutShort;
}

/** The denoising view's trace: the winning row's trace (src/infill/trace.ts) and the fill it is of. */
export type ShownTrace = DenoiseTrace & { readonly origin: TraceOrigin };
