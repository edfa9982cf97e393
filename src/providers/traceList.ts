import type { ShownTrace } from './shownTrace';

/** Where one fill's trace goes once decoded (or undefined where it has none); says whether the view's list changed. */
export interface TracePlace {
  settle(trace: ShownTrace | undefined): boolean;
}

/** The traces of one request whose `count` fills are made one after another ("Diffuse fill" of holes too far apart for one canvas). */
export interface RequestTraces {
  /** The place of its fill `index` (0-based), taken as that fill's trace begins to decode. */
  place(index: number): TracePlace;
}

/**
 * The denoising view's list of traces: the last request's, one per fill (a hole each where "Diffuse
 * fill" filled its holes one after another, each said to be hole k of N). Decoding may end out of
 * order, so a request's traces go by place. Pure.
 */
export class TraceList {
  private shown: readonly ShownTrace[] = [];

  /** In the order of the request's fills; empty before the first. */
  get traces(): readonly ShownTrace[] {
    return this.shown;
  }

  /** A fill of its own (ghost text, a "Diffuse fill" of one canvas): its trace is the list. */
  lone(): TracePlace {
    return {
      settle: (trace) => {
        if (!trace) return false;
        this.shown = [trace];
        return true;
      },
    };
  }

  request(count: number): RequestTraces {
    const traces: Array<ShownTrace | undefined> = [];
    return {
      place: (index) => ({
        settle: (trace) => {
          if (!trace) return false;
          traces[index] = { ...trace, origin: { ...trace.origin, hole: { index: index + 1, count } } };
          this.shown = traces.filter((shown) => shown !== undefined);
          return true;
        },
      }),
    };
  }
}
