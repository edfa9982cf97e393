import * as assert from 'node:assert/strict';
import { nullLogger, type Logger } from '../../src/core/logger';
import { AdaptiveDebounce, DEBOUNCE_BOUNDS, TYPING_BOUNDS } from '../../src/providers/adaptiveDebounce';
import { answersTyping, debounceCap, DeprecatedTriggerLog, fillsAhead, type TriggerMode } from '../../src/providers/triggerModes';
import { linesLogger } from './helpers/linesLogger';

/**
 * The keys whose fill begins under `trigger` as the typist presses `keys` (ms), the model's
 * forward passes taking `passMs`, as InlineProvider runs them: under `automatic` a fill begun
 * ahead at each key, waiting its debounce from the key itself; otherwise VS Code's request, 50 ms
 * after the key (its own debounce), waiting the rest. A fill begins once its wait ends before the
 * next key supersedes it (that key's fill ahead, or VS Code cancelling its request as the
 * document changes).
 */
function fillsBegun(trigger: TriggerMode, keys: readonly number[], passMs: number): number[] {
  let now = 0;
  const ahead = fillsAhead(trigger);
  const debounce = new AdaptiveDebounce(() => now, ahead ? TYPING_BOUNDS : DEBOUNCE_BOUNDS);
  return keys.filter((key, i) => {
    now = ahead ? key : key + DEBOUNCE_BOUNDS.hostDelay;
    const begins = now + debounce.next(debounceCap(trigger, passMs));
    return begins < (keys[i + 1] ?? Infinity);
  });
}

describe('providers: what diffuse.trigger spends on typing under way', () => {
  // A typist at 150 ms a key, twelve keys, then a pause; forward passes of 20 ms (a small model on the CPU).
  const keys = Array.from({ length: 12 }, (_, i) => i * 150);
  const PASS_MS = 20;

  it('automatic: every keystroke begins a fill ahead of VS Code, after a wait of one forward pass at most', () => {
    assert.equal(fillsAhead('automatic'), true);
    assert.deepEqual(fillsBegun('automatic', keys, PASS_MS), keys);
  });

  it('idle: no keystroke begins a fill; VS Code\'s request waits out the typing rhythm and fills once the typing pauses', () => {
    assert.equal(fillsAhead('idle'), false);
    // the first key's request, before any rhythm is known, still fills after the first wait (120 ms)
    assert.deepEqual(fillsBegun('idle', keys, PASS_MS), [keys[0], keys.at(-1)]);
  });

  it('manual, and the deprecated selection with it: typing gets no ghost text, and no keystroke begins a fill', () => {
    for (const trigger of ['manual', 'selection'] as const) {
      assert.deepEqual([answersTyping(trigger), fillsAhead(trigger)], [false, false], trigger);
    }
    assert.deepEqual([answersTyping('automatic'), answersTyping('idle')], [true, true]);
  });

  /** A logger that keeps the lines said at info level, and no other. */
  const infoLines = (lines: string[]): Logger => ({ ...nullLogger, info: (message) => void lines.push(message) });

  it('selection: the log says once that it is deprecated and works as manual, again once the trigger changed and is back', () => {
    const lines: string[] = [];
    const deprecated = new DeprecatedTriggerLog(infoLines(lines));
    const said = /^diffuse\.trigger "selection" is deprecated and works as "manual" \(explicit triggers only\)/;
    for (let request = 0; request < 5; request++) deprecated.heard('selection');
    assert.equal(lines.length, 1);
    assert.match(lines[0], said);
    deprecated.forget();   // to manual, say
    deprecated.heard('manual');
    assert.equal(lines.length, 1, 'said under another trigger');
    deprecated.forget();   // and back
    deprecated.heard('selection');
    deprecated.heard('selection');
    assert.equal(lines.length, 2);
    assert.match(lines[1], said);
  });

  it('says nothing of the triggers that are not deprecated', () => {
    const lines: string[] = [];
    const deprecated = new DeprecatedTriggerLog(linesLogger(lines));   // every level
    for (const trigger of ['automatic', 'idle', 'manual'] as const) deprecated.heard(trigger);
    assert.deepEqual(lines, []);
  });
});
