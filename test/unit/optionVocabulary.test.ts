import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_INFILL_OPTIONS, TEMPERATURE_RANGE } from '../../src/infill';
import { EXECUTION_PROVIDER_CHOICES } from '../../src/model';
import { denoiseViewHtml } from '../../src/providers/denoiseViewHtml';
import { DEFAULT_SETTINGS, RESOURCE_KEYS, SECTION, SETTING_ENUMS, SETTING_RANGES, type SettingKey } from '../../src/providers/settingsModel';
import { STRATEGIES } from '../../src/sampler';

const repoRoot = path.resolve(__dirname, '../../..');

interface ManifestSetting {
  type: string;
  default: unknown;
  enum?: string[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
  scope?: string;
}

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8'));
const properties: Record<string, ManifestSetting> = manifest.contributes.configuration.properties;
const keys = Object.keys(DEFAULT_SETTINGS) as SettingKey[];
const setting = (key: SettingKey): ManifestSetting => properties[`${SECTION}.${key}`]!;

/** How a typed default is written in package.json: "off" and "the bundled model" have values of their own there. */
function manifestDefault(key: SettingKey): unknown {
  if (key === 'threshold') return DEFAULT_SETTINGS.threshold ?? 0;
  if (key === 'threads') return DEFAULT_SETTINGS.threads ?? 0;
  if (key === 'model') return DEFAULT_SETTINGS.model ?? '';
  return DEFAULT_SETTINGS[key];
}

/**
 * Each option vocabulary, default and range has one writer in src/; package.json is a copy a person
 * edits by hand, and the webview's script reads the HTML's choices and bounds: both are held to it here.
 */
describe('option vocabulary: one writer per fact', () => {
  it('package.json declares exactly the settings the extension reads', () => {
    assert.deepEqual(Object.keys(properties).sort(), keys.map((key) => `${SECTION}.${key}`).sort());
  });

  it('the settings read for a document are exactly those package.json lets a folder or a language set', () => {
    const perDocument = keys.filter((key) => ['resource', 'language-overridable'].includes(setting(key).scope ?? 'window'));
    assert.deepEqual(perDocument.sort(), [...RESOURCE_KEYS].sort());
  });

  for (const key of keys) {
    it(`package.json's ${SECTION}.${key}: default, enum and bounds as in settingsModel.ts`, () => {
      const declared = setting(key);
      assert.deepEqual(declared.default, manifestDefault(key), 'default');
      const values = (SETTING_ENUMS as Partial<Record<SettingKey, readonly string[]>>)[key];
      assert.deepEqual(declared.enum, values && [...values], 'enum');
      if (values) {
        assert.deepEqual(declared.enumDescriptions, values.map((value) => `%config.${key}.${value}%`), 'enumDescriptions');
        for (const value of values) assert.ok(nls[`config.${key}.${value}`], `package.nls.json lacks config.${key}.${value}`);
      }
      const range = (SETTING_RANGES as Partial<Record<SettingKey, { min: number; max: number }>>)[key];
      assert.deepEqual([declared.minimum, declared.maximum], [range?.min, range?.max], 'minimum, maximum');
    });
  }

  it('the settings default to the engine defaults', () => {
    const d = DEFAULT_INFILL_OPTIONS;
    assert.deepEqual(
      [DEFAULT_SETTINGS.steps, DEFAULT_SETTINGS.strategy, DEFAULT_SETTINGS.threshold, DEFAULT_SETTINGS.temperature, DEFAULT_SETTINGS.maxHoleTokens, DEFAULT_SETTINGS.contextTokens],
      [d.steps, d.strategy, d.threshold, d.temperature, d.maxTokens, d.contextTokens],
    );
    assert.equal(SETTING_RANGES.temperature, TEMPERATURE_RANGE);
    assert.equal(SETTING_ENUMS.strategy, STRATEGIES);
    assert.equal(SETTING_ENUMS.executionProvider, EXECUTION_PROVIDER_CHOICES);
  });

  it('the Denoising view offers the strategies and bounds the settings accept', () => {
    const html = denoiseViewHtml({ nonce: 'n', cspSource: 'csp', script: 's.js', style: 's.css', translate: (text) => text });
    const select = /<select id="strategy">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    assert.deepEqual([...select.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]), [...STRATEGIES]);
    const bounds = (id: string) => {
      const input = new RegExp(`<input [^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
      return { min: Number(/min="([^"]+)"/.exec(input)?.[1]), max: Number(/max="([^"]+)"/.exec(input)?.[1] ?? NaN) };
    };
    assert.deepEqual(bounds('threshold'), SETTING_RANGES.threshold);
    assert.deepEqual(bounds('temperature'), SETTING_RANGES.temperature);
    assert.equal(bounds('steps').min, SETTING_RANGES.steps.min);
  });

  it('the Denoising view has arrows between the holes\' traces of one fill, hidden until there are several', () => {
    const html = denoiseViewHtml({ nonce: 'n', cspSource: 'csp', script: 's.js', style: 's.css', translate: (text) => `<${text}>` });
    const holes = /<div id="holes"[^>]*>([\s\S]*?)<\/div>/.exec(html);
    assert.ok(holes, 'no #holes');
    assert.match(holes[0], /^<div id="holes" class="holes" hidden>/);
    assert.deepEqual([...holes[1].matchAll(/<(button|output) [^>]*id="(\w+)"/g)].map((m) => m[2]), ['prevHole', 'holeValue', 'nextHole']);
    assert.match(holes[1], /aria-label="&#60;Previous hole of this fill&#62;"/, 'labels translated and escaped');
  });
});
