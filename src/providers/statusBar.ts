import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Filler } from './filler';
import { fillingText } from './holeProgress';
import type { ModelManager } from './modelManager';
import type { Notices } from './notices';

/**
 * `$(sparkle) Diffuse: <model> · <provider> · last fill 320 ms`, or the state instead of the
 * latency: loading, filling k/N ("hole 2 of 3 · filling k/N" while a "Diffuse fill" fills its holes
 * one after another), the error (reason in the tooltip); for a few seconds after an explicit
 * request, its notice (why nothing showed). One click action per state, and the tooltip
 * names it: while any fill runs (ghost text or "Diffuse fill") the click cancels it, otherwise it
 * opens the model picker.
 *
 * The last latency of a "Diffuse fill" whose holes were filled one after another (too far apart
 * for one canvas) is the whole command's, from its first hole's fill to its last's (the try at one
 * canvas before them, 2-6 ms measured, is left out): that is what the user waited for, and what
 * the same holes filled together in one canvas would show. Each hole's time, what one fill costs
 * (as ghost text's does), is in the tooltip, so that a total of several fills does not read as
 * one slow fill.
 */
export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('diffuse.status', vscode.StatusBarAlignment.Right, 100));

  constructor(private readonly models: ModelManager, private readonly filler: Filler, private readonly notices: Notices) {
    super();
    this.item.name = vscode.l10n.t('Diffuse');
    this._register(models.onDidChange(() => this.render()));
    this._register(filler.onDidChangeActivity(() => this.render()));
    this._register(notices.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  /** What the item shows now (for tests: VS Code offers no API to read a status bar item). */
  get shown(): { readonly text: string; readonly tooltip: string; readonly command: string } {
    return { text: this.item.text, tooltip: String(this.item.tooltip ?? ''), command: String(this.item.command ?? '') };
  }

  private render(): void {
    const model = this.models.active;
    const state = this.models.state;
    const activity = this.filler.activity;
    const notice = this.notices.current;
    const label = model ? `${model.name} · ${model.provider}` : vscode.l10n.t('no model');
    const lines = [model ? vscode.l10n.t('Model {0} on {1} ({2})', model.name, model.provider, model.dir) : vscode.l10n.t('No model loaded')];
    let text = `$(sparkle) Diffuse: ${label}`;
    this.item.backgroundColor = undefined;
    if (state.kind === 'loading') {
      text = `$(loading~spin) Diffuse: ${vscode.l10n.t('loading {0}', path.basename(state.target))}`;
    } else if (activity.kind === 'filling') {
      text += ` · ${fillingText(activity, vscode.l10n.t)}`;
    } else if (activity.lastMs !== undefined) {
      text += ` · ${vscode.l10n.t('last fill {0} ms', Math.round(activity.lastMs))}`;
      if (activity.lastHoleMs) {
        const each = activity.lastHoleMs.map((ms) => Math.round(ms)).join(' + ');
        lines.push(vscode.l10n.t('Last fill: {0} holes filled one after another, {1} ms in all ({2} ms)', activity.lastHoleMs.length, Math.round(activity.lastMs), each));
      }
    }
    if (state.kind === 'error') {
      text += ` · $(error) ${vscode.l10n.t('error')}`;
      lines.push(vscode.l10n.t('Error: {0}', state.message));
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    if (notice !== undefined && activity.kind !== 'filling' && state.kind !== 'loading') {
      text = `$(info) Diffuse: ${notice}`;
      lines.push(notice);
    }
    if (activity.kind === 'filling') {
      this.item.command = 'diffuse.cancelFill';
      lines.push(vscode.l10n.t('Click to cancel the running fill.'));
    } else {
      this.item.command = 'diffuse.pickModel';
      lines.push(vscode.l10n.t('Click to select a model.'));
    }
    this.item.text = text;
    this.item.tooltip = lines.join('\n');
  }
}
