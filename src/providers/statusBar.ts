import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Filler } from './filler';
import type { ModelManager } from './modelManager';

/**
 * `$(sparkle) Diffuse: <model> · <provider>` plus the state: loading, filling k/N, the last
 * latency when idle, or the error with its reason in the tooltip. Click: pick a model (or cancel
 * a running "Diffuse fill").
 */
export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('diffuse.status', vscode.StatusBarAlignment.Right, 100));

  constructor(private readonly models: ModelManager, private readonly filler: Filler) {
    super();
    this.item.name = vscode.l10n.t('Diffuse');
    this._register(models.onDidChange(() => this.render()));
    this._register(filler.onDidChangeActivity(() => this.render()));
    this.render();
    this.item.show();
  }

  private render(): void {
    const model = this.models.active;
    const state = this.models.state;
    const activity = this.filler.activity;
    const label = model ? `${model.name} · ${model.provider}` : vscode.l10n.t('no model');
    let text = `$(sparkle) Diffuse: ${label}`;
    let tooltip = model ? vscode.l10n.t('Model {0} on {1} ({2})', model.name, model.provider, model.dir) : vscode.l10n.t('No model loaded');
    this.item.backgroundColor = undefined;
    this.item.command = 'diffuse.pickModel';
    if (state.kind === 'loading') {
      text = `$(loading~spin) Diffuse: ${vscode.l10n.t('loading {0}', path.basename(state.target))}`;
    } else if (activity.kind === 'filling') {
      text += ` · ${vscode.l10n.t('filling {0}/{1}', activity.step, activity.totalSteps)}`;
      this.item.command = 'diffuse.cancelFill';
      tooltip += '\n' + vscode.l10n.t('Click to cancel a running Diffuse fill.');
    } else if (activity.lastMs !== undefined) {
      text += ` · ${Math.round(activity.lastMs)} ms`;
    }
    if (state.kind === 'error') {
      text += ` · $(error) ${vscode.l10n.t('error')}`;
      tooltip += '\n' + vscode.l10n.t('Error: {0}', state.message);
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    this.item.text = text;
    this.item.tooltip = tooltip + '\n' + vscode.l10n.t('Click to select a model.');
  }
}
