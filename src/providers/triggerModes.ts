import type { Logger } from '../core/logger';

/**
 * `diffuse.trigger`'s values: when ghost text is asked for, and what automatic ghost text spends
 * on typing still under way. Pure.
 *
 * - `automatic` (the default, and what the latency benchmarks measured, bench/README.md) answers
 *   soonest: a keystroke begins its fill at once, ahead of VS Code's request (typingAhead.ts), and
 *   a request waits at most one forward pass of the model (adaptiveDebounce.ts: a fill begun too
 *   early costs the fresh one at most that pass). The price is CPU: on a fast model a fill begins
 *   at nearly every keystroke, and the next key supersedes it.
 * - `idle` spends the CPU only once the typing pauses, for machines that want it for other work
 *   (PEERS.md §A.8 #1, "CPU is at 100 % whenever I type"; llama.vscode added a debounce for
 *   such users): no fill ahead, and a request waits the whole adaptive pause, 1.5 × the typing
 *   rhythm, so the next key usually lands first and no fill begins; the suggestion comes that
 *   pause later.
 * - `manual`: only when asked. An explicit trigger always answers, under every value.
 * - `selection` is deprecated and works as `manual` (`DEPRECATED_TRIGGER`).
 */
export const TRIGGER_MODES = ['automatic', 'idle', 'selection', 'manual'] as const;
export type TriggerMode = (typeof TRIGGER_MODES)[number];

/**
 * `selection` asked for ghost text only over a selection within a line, which VS Code never shows
 * (it shows an item over a selection only when the item begins with the selected text, and Tab
 * accepts ghost text only while nothing is selected): kept so that settings naming it stay valid,
 * it answers explicit triggers alone, as `manual` does.
 */
export const DEPRECATED_TRIGGER = 'selection' satisfies TriggerMode;

/**
 * Says once, at info level, that `DEPRECATED_TRIGGER` works as `manual`, while it is in effect:
 * requests come at each keystroke, and the line would repeat with each. Said again once the
 * trigger changed (`forget`), should it be back.
 */
export class DeprecatedTriggerLog {
  private told = false;

  constructor(private readonly log: Logger) {}

  /** A request under `trigger`. */
  heard(trigger: TriggerMode): void {
    if (trigger !== DEPRECATED_TRIGGER || this.told) return;
    this.told = true;
    this.log.info('diffuse.trigger "selection" is deprecated and works as "manual" (explicit triggers only): ' +
      'ghost text cannot replace a selection in VS Code; "Diffuse fill" replaces one');
  }

  /** `diffuse.trigger` changed. */
  forget(): void {
    this.told = false;
  }
}

/** Whether an automatic request (typing) may get ghost text: not under `manual`, nor the deprecated `selection`. */
export function answersTyping(trigger: TriggerMode): boolean {
  return trigger !== 'manual' && trigger !== DEPRECATED_TRIGGER;
}

/** Whether a keystroke begins its fill at once, before VS Code asks for it (typingAhead.ts). */
export function fillsAhead(trigger: TriggerMode): boolean {
  return trigger === 'automatic';
}

/**
 * The most an automatic request waits before it fills (`AdaptiveDebounce.next`'s cap): the
 * model's forward pass, `passMs`, except under `idle`, which waits for the typing to pause.
 */
export function debounceCap(trigger: TriggerMode, passMs: number | undefined): number | undefined {
  return trigger === 'idle' ? undefined : passMs;
}
