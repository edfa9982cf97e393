import * as assert from 'node:assert/strict';
import {
  ALL_LANGUAGES,
  changedKeys,
  DEFAULT_SETTINGS,
  enableEverywhere,
  isEnabledFor,
  normalizeResourceSettings,
  normalizeWindowSettings,
  RESOURCE_KEYS,
  toggledEnable,
  toggledWorkspaceEnable,
  writeLayer,
  type LevelValues,
  type SettingKey,
} from '../../src/providers/settingsModel';

const from = (raw: Record<string, unknown>) => {
  const read = (key: SettingKey) => raw[key];
  return { ...normalizeWindowSettings(read), ...normalizeResourceSettings(read) };
};
/** The settings with `enable` alone set. */
const enabling = (enable: unknown) => normalizeResourceSettings((key) => (key === 'enable' ? enable : undefined));

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

  it('reads an automatic fill\'s deadline of 0 as no limit, keeps whole ms up to 10 s, and falls back to the default otherwise', () => {
    assert.equal(from({ autoFillDeadlineMs: 0 }).autoFillDeadlineMs, undefined);
    assert.equal(from({ autoFillDeadlineMs: 1200 }).autoFillDeadlineMs, 1200);
    assert.equal(from({ autoFillDeadlineMs: 10_000 }).autoFillDeadlineMs, 10_000);
    for (const raw of [-1, 2.5, '300', 10_001]) assert.equal(from({ autoFillDeadlineMs: raw }).autoFillDeadlineMs, DEFAULT_SETTINGS.autoFillDeadlineMs, JSON.stringify(raw));
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

  it('reads the resource-scoped keys in the document\'s read and every other key in the window\'s', () => {
    const asked = (normalize: (read: (key: SettingKey) => unknown) => unknown) => {
      const keys: SettingKey[] = [];
      normalize((key) => void keys.push(key));
      return new Set(keys);
    };
    const resource = asked(normalizeResourceSettings);
    const window = asked(normalizeWindowSettings);
    assert.deepEqual([...resource].sort(), [...RESOURCE_KEYS].sort());
    assert.deepEqual([...window, ...resource].sort(), Object.keys(DEFAULT_SETTINGS).sort());
  });

  it('names exactly the keys that changed', () => {
    assert.deepEqual(changedKeys(DEFAULT_SETTINGS, from({})), []);
    assert.deepEqual(changedKeys(DEFAULT_SETTINGS, from({ steps: 16, enable: { go: false } })).sort(), ['enable', 'steps']);
  });
});

describe('providers: the pause toggle of diffuse.enable', () => {
  it('switches one language, keeping the other entries', () => {
    const s = enabling({ python: true });
    assert.deepEqual(toggledEnable(s, 'python'), { '*': true, plaintext: false, scminput: false, python: false });
    assert.deepEqual(toggledEnable(s, 'go'), { '*': true, plaintext: false, scminput: false, python: true, go: false });
    assert.deepEqual(toggledEnable(enabling({}), 'plaintext'), { '*': true, plaintext: true, scminput: false });
  });

  it('drops the entry of a language switched back to what `*` says, so a pause everywhere reaches it', () => {
    assert.deepEqual(toggledEnable(enabling({ go: false }), 'go'), { '*': true, plaintext: false, scminput: false });
    assert.deepEqual(toggledEnable(enabling({ '*': false, go: true }), 'go'), { '*': false, plaintext: false, scminput: false });
    assert.deepEqual(toggledEnable(enabling({ plaintext: true }), 'plaintext'), { '*': true, plaintext: false, scminput: false });
  });

  it('switches a language in the workspace\'s own map, where the workspace sets one, leaving the user\'s entries out of it', () => {
    // merged: the user's { go: false } under the workspace's { python: true }
    const merged = enabling({ go: false, python: true });
    assert.deepEqual(toggledWorkspaceEnable({ python: true, bad: 'yes' }, [{ go: false }], merged, 'python'), { python: false });
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, [{ go: false }], merged, 'rust'), { python: true, rust: false });
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, [{ go: false }], merged, ALL_LANGUAGES), { python: true, '*': false });
    // go's entry is the user's: switched on in the workspace it needs one of its own there
    assert.deepEqual(toggledWorkspaceEnable({ python: true }, [{ go: false }], merged, 'go'), { python: true, go: true });
  });

  it('drops a workspace entry switched back to what the map says without it, so a later pause everywhere reaches it', () => {
    let workspace: Record<string, boolean> = { '*': true };
    const toggle = (scope: string) => {
      const merged = enabling(workspace);
      workspace = toggledWorkspaceEnable(workspace, [], merged, scope);
    };
    toggle('python');
    assert.deepEqual(workspace, { '*': true, python: false });
    toggle('python');
    assert.deepEqual(workspace, { '*': true });
    toggle(ALL_LANGUAGES);
    assert.equal(isEnabledFor(enabling(workspace), 'python'), false);
  });

  it('switches every language without an entry of its own', () => {
    const paused = enabling(toggledEnable(enabling({ python: true }), ALL_LANGUAGES));
    assert.equal(isEnabledFor(paused, 'go'), false);
    assert.equal(isEnabledFor(paused, 'python'), true, 'an entry of its own is kept');
    assert.equal(toggledEnable(paused, ALL_LANGUAGES)['*'], true);
  });
});

describe('providers: where a settings write goes (multi-root workspaces)', () => {
  const everywhere = { globalValue: 'user', workspaceValue: 'workspace', workspaceFolderValue: 'folder' };

  it('writes to the most specific level that sets the value, with the levels below it', () => {
    const folders = { folders: true, workspace: true };
    assert.deepEqual(writeLayer(everywhere, folders), { level: 'folder', own: 'folder', below: ['user', 'workspace'] });
    assert.deepEqual(writeLayer({ globalValue: 'user', workspaceValue: 'workspace' }, folders), { level: 'workspace', own: 'workspace', below: ['user'] });
    assert.deepEqual(writeLayer({ workspaceFolderValue: 'folder' }, folders), { level: 'folder', own: 'folder', below: [undefined, undefined] });
    assert.deepEqual(writeLayer({ globalValue: 'user' }, folders), { level: 'user', own: 'user', below: [] });
    assert.deepEqual(writeLayer({}, folders), { level: 'user', own: undefined, below: [] });
  });

  it('writes a folder\'s value at the workspace level where the folder has no level of its own (single folder, no document)', () => {
    assert.equal(writeLayer(everywhere, { folders: false, workspace: true }).level, 'workspace');
    assert.equal(writeLayer({ workspaceFolderValue: 'folder' }, { folders: false, workspace: true }).level, 'user');
  });

  it('writes to the user\'s settings where the workspace\'s are not read (a restricted key, untrusted)', () => {
    assert.deepEqual(writeLayer(everywhere, { folders: true, workspace: false }), { level: 'user', own: 'user', below: [] });
  });

  it('toggles a language in a folder\'s own enable map over the workspace\'s and the user\'s', () => {
    const user = { go: false };
    const workspace = { '*': false };
    let folder: Record<string, boolean> = { python: true };
    const read = () => enabling({ ...user, ...workspace, ...folder });   // VS Code's merge, level over level
    const toggle = (scope: string) => {
      folder = toggledWorkspaceEnable(folder, [user, workspace], read(), scope);
    };
    toggle('rust');
    assert.deepEqual(folder, { python: true, rust: true });
    toggle('go');
    assert.deepEqual(folder, { python: true, rust: true, go: true }, 'the user\'s entry stays out, the folder gets its own');
    toggle('python');
    assert.deepEqual(folder, { rust: true, go: true }, 'python is off without the folder\'s entry: it goes');
    assert.equal(isEnabledFor(read(), 'python'), false);
    toggle('rust');
    assert.deepEqual(folder, { go: true });
    assert.equal(isEnabledFor(read(), 'rust'), false);
  });

  it('a switch everywhere writes `*` at the window\'s level and drops each folder\'s own `*` that says otherwise, keeping its languages', () => {
    const folder = (own: unknown) => writeLayer({ workspaceValue: { go: false }, workspaceFolderValue: own }, { folders: true, workspace: true });
    const window = { read: enabling({ go: false }), layer: writeLayer({ workspaceValue: { go: false } }, { folders: false, workspace: true }) };
    const folders = [
      { folder: 'only *', layer: folder({ '*': true }) },
      { folder: 'languages too', layer: folder({ '*': true, python: true, bad: 'yes' }) },
      { folder: 'says so already', layer: folder({ '*': false }) },
      { folder: 'no * of its own', layer: folder({ go: true }) },
      { folder: 'no map of its own', layer: folder(undefined) },
    ];
    assert.deepEqual(enableEverywhere(window, folders, false), [
      { value: { go: false, '*': false } },
      { folder: 'only *', value: undefined },
      { folder: 'languages too', value: { python: true } },
    ]);
  });

  it('a switch everywhere leaves the window\'s `*` where it says so already, and writes nothing where nothing says otherwise', () => {
    const window = { read: enabling({ '*': false }), layer: writeLayer({ globalValue: { '*': false } }, { folders: false, workspace: true }) };
    const folder = writeLayer({ globalValue: { '*': false }, workspaceFolderValue: { '*': true } }, { folders: true, workspace: true });
    assert.deepEqual(enableEverywhere(window, [{ folder: 'one', layer: folder }], false), [{ folder: 'one', value: undefined }]);
    assert.deepEqual(enableEverywhere(window, [], false), []);
    assert.deepEqual(enableEverywhere(window, [], true), [{ value: { '*': true, plaintext: false, scminput: false } }], 'the user\'s whole map');
  });

  it('writes at no folder of a single-folder workspace, whose folder\'s settings are the workspace\'s', () => {
    const values = { workspaceValue: { '*': true }, workspaceFolderValue: { '*': true } };
    const window = { read: enabling({ '*': true }), layer: writeLayer(values, { folders: false, workspace: true }) };
    const folders = [{ folder: 'the folder', layer: writeLayer(values, { folders: false, workspace: true }) }];
    assert.deepEqual(enableEverywhere(window, folders, false), [{ value: { '*': false } }]);
  });

  it('a pause everywhere then a resume everywhere reach every folder, and a folder left with no entries stops setting diffuse.enable', () => {
    const levels: { user: unknown; workspace: unknown; folders: unknown[] } = { user: {}, workspace: { go: false }, folders: [{ '*': true }, { python: true }, { '*': false }] };
    const values = (i?: number): LevelValues => ({ globalValue: levels.user, workspaceValue: levels.workspace, workspaceFolderValue: i === undefined ? undefined : levels.folders[i] });
    const layer = (i?: number) => writeLayer(values(i), { folders: i !== undefined, workspace: true });
    const read = (i?: number) => enabling(Object.assign({}, levels.user, levels.workspace, i === undefined ? undefined : levels.folders[i]));   // VS Code's merge
    const rust = () => levels.folders.map((_, i) => isEnabledFor(read(i), 'rust'));
    const everywhere = (on: boolean) => {
      assert.equal(layer().level, 'workspace', 'the window\'s writes go to the workspace\'s settings');
      for (const { folder, value } of enableEverywhere({ read: read(), layer: layer() }, levels.folders.map((_, i) => ({ folder: i, layer: layer(i) })), on)) {
        if (folder === undefined) levels.workspace = value;
        else levels.folders[folder] = value;
      }
    };
    everywhere(false);
    assert.deepEqual(rust(), [false, false, false]);
    assert.equal(isEnabledFor(read(1), 'python'), true, 'a language with an entry of its own keeps it');
    assert.deepEqual(levels.folders, [undefined, { python: true }, { '*': false }]);
    assert.equal(layer(0).level, 'workspace', 'a later toggle in the first folder would write to its own settings');
    everywhere(true);
    assert.deepEqual(rust(), [true, true, true]);
    assert.deepEqual(levels.folders, [undefined, { python: true }, undefined]);
  });
});
