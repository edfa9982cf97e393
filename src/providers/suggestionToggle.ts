import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Settings } from './settings';
import { ALL_LANGUAGES, isEnabledFor, toggledEnable, toggledWorkspaceEnable } from './settingsModel';

interface ScopePick extends vscode.QuickPickItem {
  readonly scope: string;
}

/**
 * Pause and resume the ghost text, for the active editor's language or everywhere (the
 * `diffuse.enable` setting, written to the user's settings), and a status bar entry that shows
 * whether suggestions are on for that language; its click asks which to toggle. "Diffuse fill"
 * stays available while paused: it is always an explicit request.
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
    return this.languageId() === undefined ? undefined : { text: this.item.text, tooltip: String(this.item.tooltip ?? '') };
  }

  /**
   * Toggles `scope` ('language': the active editor's; 'all': `*`), asking which when not given.
   * Resolves to whether suggestions are now on for the active editor's language.
   */
  async run(scope?: unknown): Promise<boolean | undefined> {
    const language = this.languageId();
    const current = this.settings.current;
    let target: string | undefined;
    if (scope === 'all') target = ALL_LANGUAGES;
    else if (scope === 'language') target = language;
    else target = await this.ask(language);
    if (target === undefined) return undefined;
    const workspace = this.settings.workspaceValue('enable');
    const next = workspace === undefined ? toggledEnable(current, target) : toggledWorkspaceEnable(workspace, this.settings.userValue('enable'), current, target);
    await this.settings.update('enable', next);
    return language === undefined ? undefined : isEnabledFor(this.settings.current, language);
  }

  private async ask(language: string | undefined): Promise<string | undefined> {
    const current = this.settings.current;
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

  private languageId(): string | undefined {
    return vscode.window.activeTextEditor?.document.languageId;
  }

  private render(): void {
    const language = this.languageId();
    if (language === undefined) {
      this.item.hide();
      return;
    }
    const on = isEnabledFor(this.settings.current, language);
    this.item.text = on ? '$(debug-pause)' : `$(circle-slash) ${vscode.l10n.t('Diffuse paused')}`;
    this.item.tooltip = on
      ? vscode.l10n.t('Diffuse suggestions are on for {0}. Click to pause them (for {0} or everywhere).', language)
      : vscode.l10n.t('Diffuse suggestions are paused for {0}. Click to resume them. Diffuse fill still works.', language);
    this.item.show();
  }
}
