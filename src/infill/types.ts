import type { SampleOptions, SampleResult } from '../sampler';
import type { ResultShapingOptions } from './cacheKey';
import type { CanvasHole } from './canvas';
import type { IndentStyle } from './indentation';

/**
 * A hole in `InfillRequest.text`, in UTF-16 offsets. `end > start` replaces a selection; `end ===
 * start` inserts at a cursor. `maxTokens` fixes the number of mask slots for this hole.
 */
export interface Hole {
  start: number;
  end: number;
  maxTokens?: number;
}

/** A document with one or more holes, sorted by position, neither overlapping nor touching. */
export interface InfillRequest {
  text: string;
  holes: Hole[];
  /** The editor's indentation style, applied to the fills; absent (the CLI): the model's, or tabs in a tab-indented text (requestForModel). */
  indentation?: IndentStyle;
  /** VS Code language id of the text (e.g. 'python'), for the syntax check of candidates. */
  languageId?: string;
}

export interface InfillOptions extends ResultShapingOptions {
  /** Mask slots of a hole of unknown length (the model fills the slack with padding); with `lengths`, the largest size tried. */
  maxTokens: number;
  /** Canvas budget in tokens; clamped to the model's `maxLength`. The prefix gets the larger share. */
  contextTokens: number;
  /** Rows sampled as one batch (explicit invoke); default 1. */
  candidates?: number;
  /**
   * Mask slots of a line-shaped hole (src/infill/holeShape.ts: a blank line, a new line at a line
   * start, a selected line), which then keeps one line; undefined: such a hole is sized like any
   * other and may take several lines.
   */
  lineTokens?: number;
  /**
   * Also try a whole line to insert at column 0 as a blank line indented like each neighbour
   * (src/infill/indentVariants.ts), as batch rows beside the model's own indentation.
   */
  lineIndents?: boolean;
  /**
   * Hole-length search: each size (capped at `maxTokens`) is a batch row of one run
   * (src/infill/rows.ts), in place of `maxTokens` and `lineTokens`; the fill with the best score wins.
   */
  lengths?: number[];
  /**
   * With `lengths`, the sizes tried instead for a request whose every hole is inside a line in
   * front of text (holeShape.ts 'inline' with `textAfter`), whose fills run shorter than a line's
   * (a cursor at the end of a line's text keeps `lengths`); undefined: `lengths`.
   */
  inlineLengths?: number[];
  /**
   * A cursor inside a line in front of text (holeShape.ts 'inline' with `textAfter`) keeps the
   * model's line breaks, its fill read as a block, and the line break the fill ends with: the
   * text after the cursor then starts the next line. Off: such a fill keeps its first line.
   */
  inlineBreaks?: boolean;
}

export interface HoleFill {
  /** The text to put in the hole, after post-processing. */
  text: string;
  /** Tokens the model generated for the hole (padding excluded), before post-processing. */
  tokens: number;
  /** Mean probability of the generated tokens (of the padding when it generated none). */
  confidence: number;
  /** The model's score of the fill: mean log-probability of its kept tokens and its end (src/infill/score.ts). */
  score: number;
  /** Why post-processing emptied or shortened `text`, when it did. */
  reason?: string;
}

export interface Candidate {
  /** One fill per request hole, in the request's order. */
  fills: HoleFill[];
  /** Mean token probability over all the candidate's holes. */
  confidence: number;
  /** The holes' scores, weighted by kept tokens: candidates are ranked by it. */
  score: number;
  /** The batch row it was sampled in (`HoleLayout.rows`; for a view of that row's denoising). */
  row: number;
  /** Parse errors the fill adds to the document (negative: it repairs some); undefined when not checked. */
  syntaxErrors?: number;
}

export interface InfillResult {
  /** Best first; distinct fills only. */
  candidates: Candidate[];
  /** Network calls made (0 when served from the cache). */
  nfe: number;
  steps: number;
  ms: number;
  /** Length of the canvas the best candidate came from. */
  canvasTokens: number;
  /** Every run was served from the cache. */
  cached: boolean;
}

/**
 * The batch a fill samples: `rows[r][i]` is where hole i's slots start in batch row r (an offset
 * into the row's `length` positions) and how many the row gives it (the rest of the hole's canvas
 * slots are fixed to padding). `Candidate.row` indexes `rows`.
 */
export interface HoleLayout {
  readonly length: number;
  readonly rows: ReadonlyArray<readonly CanvasHole[]>;
}

/** What a fill runs, as the engine decided it before sampling. */
export interface FillPlan {
  /** The caller's options adapted to the model's family (modelOptions.ts): what the sampler runs with. */
  readonly options: InfillOptions;
  readonly layout: HoleLayout;
}

export interface InfillHooks {
  signal?: AbortSignal;
  /**
   * Told the plan once the canvas is laid out, before sampling (a cache hit too): a fill that is
   * cancelled has no result, and a trace of the steps (trace.ts) needs the layout first.
   */
  onPlan?: (plan: FillPlan) => void;
  /** Told each sampling step: its `tokens` and `confidence` are `[rows * length]` of the plan's layout. */
  onStep?: SampleOptions['onStep'];
  /**
   * Told the sampled canvas (of the plan's layout, no mask left; to read, not to change: the
   * cache keeps it) once sampling ends, before the candidates are read; not on a cache hit. A run
   * `onStep` stopped settles its last positions after that step's report: they are here, and in
   * no `onStep`.
   */
  onSampled?: (sampled: SampleResult) => void;
}
