import { DEFAULT_INFILL_OPTIONS, TEMPERATURE_RANGE } from '../infill';
import { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from '../model';
import { STRATEGIES, thresholdUnder, type Strategy } from '../sampler';
import { AUTO_FILL_DEADLINE_MS } from './fillDeadline';
import { TRIGGER_MODES, type TriggerMode } from './triggerModes';

/**
 * The extension's settings as typed values. Raw values come from user-editable JSON, so each one
 * goes through a normalizer that falls back to the default on a wrong type or an out-of-range
 * value (VS Code only warns about those in the editor; it passes them through). No `vscode` here:
 * `settings.ts` reads the raw values, this module is unit-tested on its own.
 */

export interface DiffuseSettings {
  readonly trigger: TriggerMode;
  /** Language id → enabled; `*` is the fallback. */
  readonly enable: Readonly<Record<string, boolean>>;
  readonly steps: number;
  readonly strategy: Strategy;
  /** Confidence threshold for parallel decoding; undefined = off (the setting's 0, or the random strategy). */
  readonly threshold: number | undefined;
  readonly temperature: number;
  readonly minConfidence: number;
  readonly maxHoleTokens: number;
  readonly contextTokens: number;
  /** How long an automatic ghost-text fill may run before it finishes greedily (fillDeadline.ts), ms; undefined = no limit (the setting's 0). */
  readonly autoFillDeadlineMs: number | undefined;
  /** Bundled model name or folder; undefined = the bundled default. */
  readonly model: string | undefined;
  readonly modelFolders: readonly string[];
  readonly executionProvider: ExecutionProviderChoice;
  /** Intra-op threads of the CPU provider; undefined = half the cores (the setting's 0). */
  readonly threads: number | undefined;
}

/** Setting keys, relative to the `diffuse` section. */
export type SettingKey = keyof DiffuseSettings;

/**
 * The settings a folder of a multi-root workspace may set for itself (package.json `"scope":
 * "resource"`): read for the document at hand, since two documents may see two values.
 */
export const RESOURCE_KEYS = ['trigger', 'enable', 'minConfidence'] as const satisfies readonly SettingKey[];
export type ResourceKey = (typeof RESOURCE_KEYS)[number];
export type ResourceSettings = Pick<DiffuseSettings, ResourceKey>;
/** The settings that hold one value for the whole window (window-, machine- and machine-overridable-scoped). */
export type WindowSettings = Omit<DiffuseSettings, ResourceKey>;

export function isResourceKey(key: SettingKey): key is ResourceKey {
  return (RESOURCE_KEYS as readonly SettingKey[]).includes(key);
}

export const SECTION = 'diffuse';

/** The value lists of the settings that are enums, each the list of the layer that owns the concept. */
export const SETTING_ENUMS = {
  trigger: TRIGGER_MODES,
  strategy: STRATEGIES,
  executionProvider: EXECUTION_PROVIDER_CHOICES,
} as const satisfies Partial<Record<SettingKey, readonly string[]>>;

/**
 * Bounds of the numeric settings, shared with package.json's `minimum`/`maximum` and the webview.
 * `threshold` 0 means off; the step slider and the hole size stop at 256, the longest canvases
 * the models train on; the context reaches 4096 for models trained on longer ones; an automatic
 * fill's deadline reaches 10 s (a longer wait for ghost text is no limit: 0 says that).
 */
export const SETTING_RANGES = {
  steps: { min: 1, max: 256 },
  threshold: { min: 0, max: 1 },
  temperature: TEMPERATURE_RANGE,
  minConfidence: { min: 0, max: 1 },
  maxHoleTokens: { min: 1, max: 256 },
  contextTokens: { min: 16, max: 4096 },
  autoFillDeadlineMs: { min: 0, max: 10_000 },
  threads: { min: 0, max: 64 },
} as const satisfies Partial<Record<SettingKey, { readonly min: number; readonly max: number }>>;

/** Keys whose value a workspace must not choose in an untrusted workspace (package.json `restrictedConfigurations`). */
export const RESTRICTED_KEYS: readonly SettingKey[] = ['model', 'modelFolders'];

export const DEFAULT_SETTINGS: DiffuseSettings = Object.freeze({
  trigger: 'automatic',
  enable: Object.freeze({ '*': true, plaintext: false, scminput: false }),
  steps: DEFAULT_INFILL_OPTIONS.steps,
  strategy: DEFAULT_INFILL_OPTIONS.strategy,
  threshold: DEFAULT_INFILL_OPTIONS.threshold,
  temperature: DEFAULT_INFILL_OPTIONS.temperature ?? 0,
  minConfidence: 0.2,
  maxHoleTokens: DEFAULT_INFILL_OPTIONS.maxTokens,
  contextTokens: DEFAULT_INFILL_OPTIONS.contextTokens,
  autoFillDeadlineMs: AUTO_FILL_DEADLINE_MS,
  model: undefined,
  modelFolders: Object.freeze([]),
  executionProvider: 'auto',
  threads: undefined,
});

/** The window's typed settings from a reader of raw values (`undefined` = not set anywhere). */
export function normalizeWindowSettings(read: (key: Exclude<SettingKey, ResourceKey>) => unknown): WindowSettings {
  const d = DEFAULT_SETTINGS;
  const r = SETTING_RANGES;
  const threshold = numberIn(read('threshold'), r.threshold, d.threshold ?? 0);
  const threads = integerIn(read('threads'), r.threads, d.threads ?? 0);
  const autoFillDeadlineMs = integerIn(read('autoFillDeadlineMs'), r.autoFillDeadlineMs, d.autoFillDeadlineMs ?? 0);
  const strategy = oneOf(read('strategy'), SETTING_ENUMS.strategy, d.strategy);
  const model = read('model');
  return {
    steps: integerIn(read('steps'), r.steps, d.steps),
    strategy,
    threshold: thresholdUnder(strategy, threshold > 0 ? threshold : undefined),
    temperature: numberIn(read('temperature'), r.temperature, d.temperature),
    maxHoleTokens: integerIn(read('maxHoleTokens'), r.maxHoleTokens, d.maxHoleTokens),
    contextTokens: integerIn(read('contextTokens'), r.contextTokens, d.contextTokens),
    autoFillDeadlineMs: autoFillDeadlineMs > 0 ? autoFillDeadlineMs : undefined,
    model: typeof model === 'string' && model.trim() !== '' ? model.trim() : undefined,
    modelFolders: stringList(read('modelFolders')),
    executionProvider: oneOf(read('executionProvider'), SETTING_ENUMS.executionProvider, d.executionProvider),
    threads: threads > 0 ? threads : undefined,
  };
}

/** The resource-scoped typed settings, from a reader of the raw values for one document. */
export function normalizeResourceSettings(read: (key: ResourceKey) => unknown): ResourceSettings {
  const d = DEFAULT_SETTINGS;
  return {
    trigger: oneOf(read('trigger'), SETTING_ENUMS.trigger, d.trigger),
    enable: enableMap(read('enable')),
    minConfidence: numberIn(read('minConfidence'), SETTING_RANGES.minConfidence, d.minConfidence),
  };
}

/** Whether completion is on for `languageId`: its own entry, else `*`, else on. */
export function isEnabledFor(settings: Pick<DiffuseSettings, 'enable'>, languageId: string): boolean {
  return settings.enable[languageId] ?? settings.enable[ALL_LANGUAGES] ?? true;
}

/** The scope `*`: every language without an entry of its own. */
export const ALL_LANGUAGES = '*';

/**
 * The `diffuse.enable` map with `scope` (a language id or `*`) switched: on becomes off, off
 * becomes on. The pause toggle writes this, so whether suggestions are on stays one fact: the
 * setting, with its per-language entries and `*` fallback. A language switched back to what `*`
 * says loses its entry (unless a default entry needs overriding), so that a later pause
 * everywhere reaches it too.
 */
export function toggledEnable(settings: Pick<DiffuseSettings, 'enable'>, scope: string): Record<string, boolean> {
  const on = switchedOn(settings, scope);
  if (scope === ALL_LANGUAGES) return { ...settings.enable, [ALL_LANGUAGES]: on };
  const { [scope]: _old, ...rest } = settings.enable;
  return on === (settings.enable[ALL_LANGUAGES] ?? true) && DEFAULT_SETTINGS.enable[scope] === undefined ? rest : { ...rest, [scope]: on };
}

/**
 * The `diffuse.enable` map of the workspace's or a folder's settings (`own`, as they hold it) with
 * `scope` switched, for a level that sets one: VS Code merges it over the maps of the levels below
 * (`below`, lowest first: the user's, then for a folder the workspace's), so the switch is an entry
 * of its own, and the entries from below stay out of it. As in `toggledEnable`, a language's entry
 * goes where the map without it says the same (a later pause everywhere then reaches it). A map
 * emptied so stays (`{}`): the level keeps the setting, so the next toggle of this language here
 * writes here again (pause and resume in one place); `enableEverywhere` removes an emptied folder
 * map instead, as it hands the folder back to the window's value.
 */
export function toggledWorkspaceEnable(own: unknown, below: readonly unknown[], settings: Pick<DiffuseSettings, 'enable'>, scope: string): Record<string, boolean> {
  const on = switchedOn(settings, scope);
  const { [scope]: _old, ...rest } = booleanEntries(own);
  if (scope === ALL_LANGUAGES) return { ...rest, [ALL_LANGUAGES]: on };
  const merged = enableMap(Object.assign({}, ...below.map(booleanEntries)));
  const without = merged[scope] ?? rest[ALL_LANGUAGES] ?? merged[ALL_LANGUAGES] ?? true;
  return without === on ? rest : { ...rest, [scope]: on };
}

/**
 * The `diffuse.enable` map with `scope` switched, for the level `layer` names (`writeLayer`): the
 * whole map in the user's settings (`toggledEnable`), an entry of the level's own map in a
 * workspace's or a folder's (`toggledWorkspaceEnable`).
 */
export function toggledEnableAt(layer: WriteLayer, settings: Pick<DiffuseSettings, 'enable'>, scope: string): Record<string, boolean> {
  return layer.level === 'user' ? toggledEnable(settings, scope) : toggledWorkspaceEnable(layer.own, layer.below, settings, scope);
}

/** One write of `diffuse.enable`: in a folder's own settings, else (`folder` undefined) the window's; `value` undefined removes the folder's. */
export interface EnableWrite<F> {
  readonly folder?: F;
  readonly value: Record<string, boolean> | undefined;
}

/**
 * The writes that pause (`on` false) or resume everywhere: `*` switched in the window's settings
 * (`window`: its map as read without a folder, and its `writeLayer`: the workspace's or the
 * user's, which every folder without a `*` of its own reads), unless it says `on` already; and in
 * each of a multi-root workspace's `folders` whose own map (at level `folder`) has a `*` that says
 * otherwise, that `*` dropped: written only at the active document's folder, it would leave every
 * other folder as it was. The folder's languages' entries stay, as they do in the window's map; a
 * folder left with none loses the setting, so that its settings no longer set it and a later
 * language toggle in it writes to the window's (`writeLayer`), as in any folder that never set it.
 */
export function enableEverywhere<F>(
  window: { readonly read: Pick<DiffuseSettings, 'enable'>; readonly layer: WriteLayer },
  folders: ReadonlyArray<{ readonly folder: F; readonly layer: WriteLayer }>,
  on: boolean,
): Array<EnableWrite<F>> {
  const writes: Array<EnableWrite<F>> = [];
  if ((window.read.enable[ALL_LANGUAGES] ?? true) !== on) writes.push({ value: toggledEnableAt(window.layer, window.read, ALL_LANGUAGES) });
  for (const { folder, layer } of folders) {
    if (layer.level !== 'folder') continue;
    const { [ALL_LANGUAGES]: all, ...rest } = booleanEntries(layer.own);
    if (all !== undefined && all !== on) writes.push({ folder, value: Object.keys(rest).length > 0 ? rest : undefined });
  }
  return writes;
}

/** Whether `scope` (a language or `*`) is on once the pause toggle switches it. */
function switchedOn(settings: Pick<DiffuseSettings, 'enable'>, scope: string): boolean {
  return scope === ALL_LANGUAGES ? !(settings.enable[ALL_LANGUAGES] ?? true) : !isEnabledFor(settings, scope);
}

/** A setting's value at each level of settings VS Code reads (`WorkspaceConfiguration.inspect`). */
export interface LevelValues {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/** Where a write of a setting goes (`level`), the value there (`own`) and the values of the levels below, lowest first. */
export interface WriteLayer {
  readonly level: 'user' | 'workspace' | 'folder';
  readonly own: unknown;
  readonly below: readonly unknown[];
}

/**
 * Where a write goes so that the read it was made for sees it: the most specific level that sets
 * the setting (a value written below it would stay hidden, and the slider or the pause would seem
 * to do nothing), else the user's settings. `folders`: the read is for a document in a folder with
 * settings of its own, apart from the workspace's (a multi-root workspace; in a single-folder one
 * the folder's settings are the workspace's). `workspace`: the workspace's and folders' settings
 * are read for this setting (not so for a restricted one in an untrusted workspace).
 */
export function writeLayer(values: LevelValues, { folders, workspace }: { readonly folders: boolean; readonly workspace: boolean }): WriteLayer {
  if (workspace && folders && values.workspaceFolderValue !== undefined) {
    return { level: 'folder', own: values.workspaceFolderValue, below: [values.globalValue, values.workspaceValue] };
  }
  if (workspace && values.workspaceValue !== undefined) return { level: 'workspace', own: values.workspaceValue, below: [values.globalValue] };
  return { level: 'user', own: values.globalValue, below: [] };
}

/** The keys whose values differ between two settings objects. */
export function changedKeys<T extends object>(before: T, after: T): Array<keyof T> {
  return (Object.keys(after) as Array<keyof T>).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

interface Range {
  readonly min: number;
  readonly max: number;
}

function numberIn(value: unknown, { min, max }: Range, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

function integerIn(value: unknown, range: Range, fallback: number): number {
  return Number.isInteger(value) ? numberIn(value, range, fallback) : fallback;
}

/** The enable map merged over the default, so `{"python": false}` keeps plaintext and scminput off. */
function enableMap(value: unknown): Readonly<Record<string, boolean>> {
  return { ...DEFAULT_SETTINGS.enable, ...booleanEntries(value) };
}

/** The language → boolean entries of a setting's raw value; none where it is not such an object. */
function booleanEntries(value: unknown): Record<string, boolean> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean'));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}
