import * as assert from 'node:assert/strict';
import type { Logger } from '../../src/core/logger';
import { SilenceLog } from '../../src/providers/silenceLog';

/** A logger that keeps each line with its level. */
function levelLogger(lines: string[]): Logger {
  const at = (level: string) => (message: string): void => void lines.push(`${level} ${message}`);
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('providers: why the ghost text stayed silent', () => {
  it('logs a reason at debug level once per document, however many requests it silences', () => {
    const lines: string[] = [];
    const silences = new SilenceLog(levelLogger(lines));
    for (let keystroke = 0; keystroke < 20; keystroke++) silences.say('file:///a.py', 'trigger is manual');
    assert.deepEqual(lines, ['debug silent: trigger is manual (file:///a.py)']);
  });

  it('logs each reason and each document of its own', () => {
    const lines: string[] = [];
    const silences = new SilenceLog(levelLogger(lines));
    for (let i = 0; i < 3; i++) {
      silences.say('file:///a.py', 'trigger is manual');
      silences.say('file:///a.py', 'inside a merge conflict');
      silences.say('file:///b.py', 'trigger is manual');
    }
    assert.deepEqual(lines, [
      'debug silent: trigger is manual (file:///a.py)',
      'debug silent: inside a merge conflict (file:///a.py)',
      'debug silent: trigger is manual (file:///b.py)',
    ]);
  });

  it('logs a reason again once the document\'s silence ended or the settings changed', () => {
    const lines: string[] = [];
    const silences = new SilenceLog(levelLogger(lines));
    silences.say('file:///a.py', 'inside a merge conflict');
    silences.say('file:///b.py', 'trigger is manual');
    silences.forget('file:///a.py');
    silences.say('file:///a.py', 'inside a merge conflict');
    silences.say('file:///b.py', 'trigger is manual');
    assert.equal(lines.length, 3, 'forgetting one document forgot another\'s');
    silences.forgetAll();
    silences.say('file:///b.py', 'trigger is manual');
    assert.deepEqual(lines.slice(2), ['debug silent: inside a merge conflict (file:///a.py)', 'debug silent: trigger is manual (file:///b.py)']);
  });

  it('remembers a bounded number of documents: the least recently silenced is logged again', () => {
    const lines: string[] = [];
    const silences = new SilenceLog(levelLogger(lines));
    for (let i = 0; i <= 64; i++) silences.say(`file:///${i}.py`, 'trigger is manual');
    assert.equal(lines.length, 65);
    silences.say('file:///64.py', 'trigger is manual');
    assert.equal(lines.length, 65, 'the most recent document was forgotten');
    silences.say('file:///0.py', 'trigger is manual');
    assert.equal(lines.length, 66, 'the oldest of 65 documents is still remembered: no bound');
  });

  it('logs every reason again after the log\'s level changed, and no longer listens once disposed', () => {
    const lines: string[] = [];
    const listeners = new Set<(level: unknown) => void>();
    const levelChanges = (listener: (level: unknown) => void) => {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    };
    const silences = new SilenceLog(levelLogger(lines), levelChanges);
    silences.say('file:///a.py', 'trigger is manual');
    silences.say('file:///a.py', 'trigger is manual');
    for (const listener of listeners) listener('debug');
    silences.say('file:///a.py', 'trigger is manual');
    assert.equal(lines.length, 2, 'the level change did not let the reason be said again');
    silences.dispose();
    assert.equal(listeners.size, 0);
  });
});
