import type * as vscode from 'vscode';
import type { HolePlace } from './holeProgress';
import type { Proposal } from './proposals';

/**
 * What the last fill ran with (the engine's plan: the settings adapted to the model's family;
 * undefined for a fill cancelled before it was laid out) and did; `nfe` is 0 for a cache hit or a
 * cancelled run.
 */
export interface LastFill {
  readonly options?: { readonly steps: number; readonly strategy: string; readonly threshold?: number; readonly temperature?: number; readonly candidates?: number; readonly inlineBreaks?: boolean };
  readonly holes: number;
  readonly nfe: number;
  readonly cancelled: boolean;
  /** Begun at a keystroke, before VS Code asked for it (typingAhead.ts). */
  readonly ahead: boolean;
  /** Its deadline (automatic ghost text, fillDeadline.ts) stopped it before its last step; the rest was filled greedily. */
  readonly cutShort: boolean;
}

/**
 * What `activate()` returns: the surface integration tests drive through
 * `vscode.extensions.getExtension('diffuse-dev.diffuse').exports` (VS Code offers no command that
 * runs an inline completion provider, so tests call it directly).
 */
export interface DiffuseApi {
  readonly inlineProvider: vscode.InlineCompletionItemProvider;
  /** Settles when the latest model load has: resolves with a model loaded, rejects with the reason otherwise. */
  ready(): Promise<void>;
  modelName(): string | undefined;
  /** The live execution provider of the loaded model. */
  provider(): string | undefined;
  lastFill(): LastFill | undefined;
  /** The model state: 'loading', 'ready' or 'error', with the reason of an error. */
  modelState(): { readonly kind: string; readonly message?: string };
  /** 'filling' (with the step, and the hole k of N where a "Diffuse fill" fills them one after another) while a fill runs, else 'idle' (with the last latency, and each hole's where it filled them one after another). */
  activity(): {
    readonly kind: string; readonly step?: number; readonly totalSteps?: number; readonly hole?: HolePlace;
    readonly lastMs?: number; readonly lastHoleMs?: readonly number[];
  };
  /** The "Diffuse fill" preview awaiting Accept / Reject, if any, and each proposal's decoration text as last drawn in an editor of its document. */
  fillPreview(): { readonly uri: string; readonly proposals: readonly Proposal[]; readonly drawn?: readonly string[] } | undefined;
  /** The last brief notice the status bar gave (why an explicit request showed nothing, …). */
  notice(): string | undefined;
  /** The status bar item's text, tooltip and click command. */
  statusBar(): { readonly text: string; readonly tooltip: string; readonly command: string };
  /** Where the fills are whose traces the denoising view holds: the last request's, one per fill (a hole each where "Diffuse fill" filled them one after another). */
  denoiseTraces(): ReadonlyArray<{ readonly file?: string; readonly line?: number; readonly holeLines?: readonly number[]; readonly hole?: HolePlace }>;
  /** The pause/resume status bar entry's text and tooltip; undefined while hidden (no editor). */
  suggestionToggle(): { readonly text: string; readonly tooltip: string } | undefined;
}
