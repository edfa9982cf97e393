import * as assert from 'node:assert/strict';
import { changedKeys, DEFAULT_SETTINGS, isEnabledFor, normalizeSettings } from '../../src/providers/settingsModel';

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
