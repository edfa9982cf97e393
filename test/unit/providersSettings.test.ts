import * as assert from 'node:assert/strict';
import { ALL_LANGUAGES, changedKeys, DEFAULT_SETTINGS, isEnabledFor, normalizeSettings, toggledEnable, toggledWorkspaceEnable } from '../../src/providers/settingsModel';

const from = (raw: Record<string, unknown>) => normalizeSettings((key) => raw[key]);

describe('providers: settings normalizer', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepEqual(from({}), DEFAULT_SETTINGS);
  });

  it('keeps valid values', () => {
    const s = from({ steps: 8, strategy: 'margin', threshold: 0.5, temperature: 1.2, trigger: 'manual', model: ' diffuse-small ', modelFolders: ['/m'], executionProvider: 'cpu' });
    assert.equal(s.steps, 8);
    assert.equal(s.strategy, 'margin');
    assert.equal(s.threshold, 0.5);
    assert.equal(s.temperature, 1.2);
    assert.equal(s.trigger, 'manual');
    assert.equal(s.model, 'diffuse-small');
    assert.deepEqual(s.modelFolders, ['/m']);
    assert.equal(s.executionProvider, 'cpu');
  });

  it('falls back to the default on a wrong type or an out-of-range value', () => {
    const s = from({ steps: 2.5, strategy: 'fastest', threshold: 3, temperature: -1, maxHoleTokens: 0, contextTokens: '256', executionProvider: 'tpu', modelFolders: 'x' });
    assert.equal(s.steps, DEFAULT_SETTINGS.steps);
    assert.equal(s.strategy, DEFAULT_SETTINGS.strategy);
    assert.equal(s.threshold, DEFAULT_SETTINGS.threshold);
    assert.equal(s.temperature, DEFAULT_SETTINGS.temperature);
    assert.equal(s.maxHoleTokens, DEFAULT_SETTINGS.maxHoleTokens);
    assert.equal(s.contextTokens, DEFAULT_SETTINGS.contextTokens);
    assert.equal(s.executionProvider, 'auto');
    assert.deepEqual(s.modelFolders, []);
  });

  it('reads threads 0 as half the cores (unset) and keeps a positive whole count', () => {
    assert.equal(from({ threads: 0 }).threads, undefined);
    assert.equal(from({ threads: 2 }).threads, 2);
    assert.equal(from({ threads: 1.5 }).threads, undefined);
    assert.equal(from({ threads: 65 }).threads, undefined);
  });

  it('turns the threshold off under the random strategy, which the sampler refuses it with', () => {
    assert.equal(from({ strategy: 'random' }).threshold, undefined);
    assert.equal(from({ strategy: 'random', threshold: 0.9 }).threshold, undefined);
    assert.equal(from({ strategy: 'entropy' }).threshold, DEFAULT_SETTINGS.threshold);
  });

  it('reads threshold 0 as off and an empty model as the default', () => {
    const s = from({ threshold: 0, model: '  ' });
    assert.equal(s.threshold, undefined);
    assert.equal(s.model, undefined);
  });

  it('merges the enable map over the default: plaintext and scminput stay off unless named', () => {
    const s = from({ enable: { python: false, markdown: true, bogus: 'yes' } });
    assert.equal(isEnabledFor(s, 'python'), false);
    assert.equal(isEnabledFor(s, 'markdown'), true);
    assert.equal(isEnabledFor(s, 'plaintext'), false);
    assert.equal(isEnabledFor(s, 'scminput'), false);
    assert.equal(isEnabledFor(s, 'rust'), true);
    assert.equal(isEnabledFor(s, 'bogus'), true);
    assert.equal(isEnabledFor(from({ enable: { '*': false } }), 'rust'), false);
  });

  it('names exactly the keys that changed', () => {
    assert.deepEqual(changedKeys(DEFAULT_SETTINGS, from({})), []);
    assert.deepEqual(changedKeys(DEFAULT_SETTINGS, from({ steps: 16, enable: { go: false } })).sort(), ['enable', 'steps']);
  });
});

describe('providers: the pause toggle of diffuse.enable', () => {
  const settings = (enable: Record<string, boolean>) => normalizeSettings((key) => (key === 'enable' ? enable : undefined));

  it('switches one language, keeping the other entries', () => {
    const s = settings({ python: true });
    assert.deepEqual(toggledEnable(s, 'python'), { '*': true, plaintext: false, scminput: false, python: false });
    assert.deepEqual(toggledEnable(s, 'go'), { '*': true, plaintext: false, scminput: false, python: true, go: false });
    assert.deepEqual(toggledEnable(settings({}), 'plaintext'), { '*': true, plaintext: true, scminput: false });
  });

  it('drops the entry of a language switched back to what `*` says, so a pause everywhere reaches it', () => {
    assert.deepEqual(toggledEnable(settings({ go: false }), 'go'), { '*': true, plaintext: false, scminput: false });
    assert.deepEqual(toggledEnable(settings({ '*': false, go: true }), 'go'), { '*': false, plaintext: false, scminput: false });
    assert.deepEqual(toggledEnable(settings({ plaintext: true }), 'plaintext'), { '*': true, plaintext: false, scminput: false });
  });

  it('switches a language in the workspace\'s own map, where the workspace sets one, leaving the user\'s entries out of it', () => {
    // merged: the user's { go: false } under the workspace's { python: true }
    const merged = settings({ go: false, python: true });
    assert.deepEqual(toggledWorkspaceEnable({ python: true, bad: 'yes' }, { go: false }, merged, 'python'), { python: false });
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, { go: false }, merged, 'rust'), { python: true, rust: false });
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, { go: false }, merged, ALL_LANGUAGES), { python: true, '*': false });
    // go's entry is the user's: switched on in the workspace it needs one of its own there
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, { go: false }, merged, 'go'), { python: true, go: true });
  });

  it('drops a workspace entry switched back to what the map says without it, so a later pause everywhere reaches it', () => {
    let workspace: Record<string, boolean> = { '*': true };
    const toggle = (scope: string) => {
      const merged = normalizeSettings((key) => (key === 'enable' ? workspace : undefined));
      workspace = toggledWorkspaceEnable(workspace, undefined, merged, scope);
    };
    toggle('python');
    assert.deepEqual(workspace, { '*': true, python: false });
    toggle('python');
    assert.deepEqual(workspace, { '*': true });
    toggle(ALL_LANGUAGES);
    assert.equal(isEnabledFor(normalizeSettings((key) => (key === 'enable' ? workspace : undefined)), 'python'), false);
  });

  it('switches every language without an entry of its own', () => {
    const paused = normalizeSettings((key) => (key === 'enable' ? toggledEnable(settings({ python: true }), ALL_LANGUAGES) : undefined));
    assert.equal(isEnabledFor(paused, 'go'), false);
    assert.equal(isEnabledFor(paused, 'python'), true, 'an entry of its own is kept');
    assert.equal(toggledEnable(paused, ALL_LANGUAGES)['*'], true);
  });
});
