import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const settings = manifest.contributes.configuration.properties;

describe('docs: the defaults they name are package.json\'s', () => {
  it('docs/extension.md names the steps slider\'s default as diffuse.steps has it', () => {
    const steps = settings['diffuse.steps'].default;
    const doc = readFileSync(path.join(ROOT, 'docs', 'extension.md'), 'utf8').replace(/\s+/g, ' ');
    const named = /the default \((\d+)\) is marked `▲` under the track/.exec(doc);
    assert.ok(named, 'docs/extension.md no longer names the slider\'s default: update this test');
    assert.equal(Number(named[1]), steps);
  });

  for (const doc of ['README.md', path.join('docs', 'extension.md')]) {
    it(`${doc}: every numeric setting in its settings table, with package.json's default`, () => {
      const rows = new Map([...readFileSync(path.join(ROOT, doc), 'utf8').matchAll(/^\| `(diffuse\.\w+)` \| `?([^|`]*)`? \|/gm)].map((m) => [m[1], m[2].trim()]));
      for (const [key, { default: value }] of Object.entries(settings)) {
        if (typeof value !== 'number') continue;
        assert.ok(rows.has(key), `${doc} has no row for ${key}`);
        assert.equal(Number(rows.get(key)), value, `${doc}: ${key}`);
      }
    });
  }
});
