import type { SampleOptions } from '../sampler';

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
}

export interface InfillOptions extends Omit<SampleOptions, 'onStep' | 'signal'> {
  /** Mask slots of a hole of unknown length (the model fills the slack with padding). */
  maxTokens: number;
  /** Canvas budget in tokens; clamped to the model's `maxLength`. The prefix gets the larger share. */
  contextTokens: number;
  /** Rows sampled as one batch (explicit invoke); default 1. */
  candidates?: number;
  /** Hole-length search: each size replaces `maxTokens` in one run; the most confident fills win. */
  lengths?: number[];
}

export interface HoleFill {
  /** The text to put in the hole, after post-processing. */
  text: string;
  /** Tokens the model generated for the hole (padding excluded), before post-processing. */
  tokens: number;
  /** Mean probability of the generated tokens (of the padding when it generated none). */
  confidence: number;
  /** Why post-processing emptied or shortened `text`, when it did. */
  reason?: string;
}

export interface Candidate {
  /** One fill per request hole, in the request's order. */
  fills: HoleFill[];
  /** Mean token probability over all the candidate's holes. */
  confidence: number;
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

export interface InfillHooks {
  signal?: AbortSignal;
  onStep?: SampleOptions['onStep'];
}
