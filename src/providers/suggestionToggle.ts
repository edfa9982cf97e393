import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Settings } from './settings';
import { ALL_LANGUAGES, enableEverywhere, isEnabledFor, toggledEnableAt, type ResourceSettings } from './settingsModel';

interface ScopePick extends vscode.QuickPickItem {
  readonly scope: string;
}

/**
 * Pause and resume the ghost text, for the active editor's language or everywhere, and a status bar
 * entry that shows whether suggestions are on for that editor's document; its click asks which to
 * toggle. Both switch the `diffuse.enable` setting as that document reads it: a language where that
 * value comes from (`Settings.update`); everywhere, in the window's settings and in each folder of
 * a multi-root workspace whose own value would otherwise keep it as it was. "Diffuse fill" stays
 * available while paused: it is always an explicit request.
 */
export class SuggestionToggle extends Disposable {
  // Just left of the Diffuse item (100), right of VS Code's own editor items (language mode and the like).
  private readonly item = this._register(vscode.window.createStatusBarItem('diffuse.toggle', vscode.StatusBarAlignment.Right, 100.01));

  constructor(private readonly settings: Settings) {
    super();
    this.item.name = vscode.l10n.t('Diffuse suggestions on/off');
    this.item.command = 'diffuse.toggleSuggestions';
    this._register(settings.onDidChange((keys) => {
      if (keys.includes('enable')) this.render();
    }));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
    this.render();
  }

  /** What the item shows now (for tests), undefined when hidden (no editor). */
  get shown(): { readonly text: string; readonly tooltip: string } | undefined {
    return this.document() === undefined ? undefined : { text: this.item.text, tooltip: String(this.item.tooltip ?? '') };
  }

  /**
   * Toggles `scope` ('language': the active editor's; 'all': `*`), asking which when not given.
   * Resolves to whether suggestions are now on for the active editor's language.
   */
  async run(scope?: unknown): Promise<boolean | undefined> {
    const document = this.document();
    const language = document?.languageId;
    const current = this.settings.for(document);
    let target: string | undefined;
    if (scope === 'all') target = ALL_LANGUAGES;
    else if (scope === 'language') target = language;
    else target = await this.ask(current, language);
    if (target === undefined) return undefined;
    if (target === ALL_LANGUAGES) await this.switchEverywhere(!(current.enable[ALL_LANGUAGES] ?? true));
    else await this.settings.update('enable', toggledEnableAt(this.settings.writeLayer('enable', document), current, target), document);
    return language === undefined ? undefined : isEnabledFor(this.settings.for(document), language);
  }

  /** Pause (`on` false) or resume everywhere: in the window's settings and every folder that would keep its own (`enableEverywhere`). */
  private async switchEverywhere(on: boolean): Promise<void> {
    const window = { read: this.settings.for(undefined), layer: this.settings.writeLayer('enable') };
    const folders = (vscode.workspace.workspaceFolders ?? []).map(({ uri }) => ({ folder: uri, layer: this.settings.writeLayer('enable', uri) }));
    for (const { folder, value } of enableEverywhere(window, folders, on)) await this.settings.update('enable', value, folder);
  }

  private async ask(current: ResourceSettings, language: string | undefined): Promise<string | undefined> {
    const verb = (on: boolean) => (on ? `$(debug-pause) ${vscode.l10n.t('Pause')}` : `$(debug-start) ${vscode.l10n.t('Resume')}`);
    const picks: ScopePick[] = [];
    if (language !== undefined) {
      picks.push({ label: `${verb(isEnabledFor(current, language))} ${vscode.l10n.t('suggestions for {0}', language)}`, scope: language });
    }
    picks.push({
      label: `${verb(current.enable[ALL_LANGUAGES] ?? true)} ${vscode.l10n.t('suggestions everywhere')}`,
      description: vscode.l10n.t('languages with an entry of their own in diffuse.enable keep it'),
      scope: ALL_LANGUAGES,
    });
    const picked = await vscode.window.showQuickPick(picks, { title: vscode.l10n.t('Diffuse: Pause or Resume Suggestions') });
    return picked?.scope;
  }

  private document(): vscode.TextDocument | undefined {
    return vscode.window.activeTextEditor?.document;
  }

  private render(): void {
    const document = this.document();
    if (document === undefined) {
      this.item.hide();
      return;
    }
    const language = document.languageId;
    const on = isEnabledFor(this.settings.for(document), language);
    this.item.text = on ? '$(debug-pause)' : `$(circle-slash) ${vscode.l10n.t('Diffuse paused')}`;
    this.item.tooltip = on
      ? vscode.l10n.t('Diffuse suggestions are on for {0}. Click to pause them (for {0} or everywhere).', language)
      : vscode.l10n.t('Diffuse suggestions are paused for {0}. Click to resume them. Diffuse fill still works.', language);
    this.item.show();
  }
}
