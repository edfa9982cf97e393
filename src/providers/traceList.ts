import type { ShownTrace } from './shownTrace';

/** Where one fill's trace goes, settled once it is decoded (undefined where it has none); says whether the view's list changed. */
export interface TracePlace {
  settle(trace: ShownTrace | undefined): boolean;
}

/** The traces of one request whose fills are made one after another ("Diffuse fill" of holes too far apart for one canvas). */
export interface RequestTraces {
  /** The place of its fill `index` (0-based), taken as that fill's trace begins to decode; settled once. */
  place(index: number): TracePlace;
  /** Its last fill ran, or it stopped: the list is its own until the traces still decoding are in. */
  end(): void;
}

/**
 * The denoising view's list of traces: the last request's, one per fill (a hole each where "Diffuse
 * fill" filled its holes one after another, its origin naming it hole k of N: `Filler.asOneFill`).
 * Decoding may end out of order, so a request's traces go by place.
 *
 * A request of holes filled one after another holds the list from its start until its last trace
 * is in: the user who asked for it watches its holes come in and steps between them, and a
 * ghost-text fill ending in between (one asked for before the command ran, or one in another
 * editor: typing in this one stops the request) would otherwise replace that list with its one
 * trace until the next hole ended, or for good after the last. Such a fill's trace is not shown,
 * not even later: shown after the request, it would displace the list the user asked for with an
 * older fill's. A newer request takes the list over from an older one, whose late traces then do
 * not show. Pure.
 */
export class TraceList {
  private shown: readonly ShownTrace[] = [];
  /** The request that holds the list, while its fills run and their traces decode. */
  private holder: RequestTraces | undefined;

  /** In the order of the request's fills; empty before the first. */
  get traces(): readonly ShownTrace[] {
    return this.shown;
  }

  /**
   * A fill of its own (ghost text, a "Diffuse fill" of one canvas), taken as it ends: its trace is
   * the list, unless a request holds it then or when the trace is in (above: not even later).
   */
  lone(): TracePlace {
    const held = this.holder !== undefined;
    return {
      settle: (trace) => {
        if (!trace || held || this.holder) return false;
        this.shown = [trace];
        return true;
      },
    };
  }

  /** A request of fills made one after another: it holds the list from now on (above). */
  request(): RequestTraces {
    const traces: Array<ShownTrace | undefined> = [];
    let decoding = 0;
    let ended = false;
    const release = (): void => {
      if (ended && decoding === 0 && this.holder === request) this.holder = undefined;
    };
    const request: RequestTraces = {
      place: (index) => {
        decoding++;
        return {
          settle: (trace) => {
            decoding--;
            const shows = trace !== undefined && this.holder === request;
            if (trace) traces[index] = trace;
            if (shows) this.shown = traces.filter((shown) => shown !== undefined);
            release();
            return shows;
          },
        };
      },
      end: () => {
        ended = true;
        release();
      },
    };
    this.holder = request;
    return request;
  }
}
