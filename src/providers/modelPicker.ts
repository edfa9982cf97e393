import * as vscode from 'vscode';
import { findModels, isBundledName, modelKind, modelSetting, resolveModel, workspaceModelSetting, type ModelEntry } from '../model';
import type { ModelManager } from './modelManager';
import { modelPathBase } from './modelPathBase';
import type { Settings } from './settings';

interface ModelPick extends vscode.QuickPickItem {
  /** What `diffuse.model` becomes (`modelSetting`); undefined for "Browse…". */
  readonly setting?: string;
}

/**
 * "Diffuse: Select Model": a quick pick of the bundled models, the models found in
 * `diffuse.modelFolders` and the active model, each described by its family/graph (e.g.
 * "cedd/roulette") and where it lives, and "Browse…" for any model folder. The choice is saved as
 * `diffuse.model` where that setting comes from (`Settings.update`): in the workspace's settings,
 * which a team may share, as a path relative to the folder they resolve paths against
 * (`modelPathBase`: the workspace folder, or a multi-root workspace's `.code-workspace` file's) where
 * it lies inside it, and not at all where they already name it. Called with a string (a bundled
 * name or a folder), it switches without UI. Resolves to whether that model is now loaded.
 */
export class ModelPicker {
  constructor(private readonly models: ModelManager, private readonly settings: Settings) {}

  async run(nameOrDir?: unknown): Promise<boolean> {
    const choice = typeof nameOrDir === 'string' ? nameOrDir : await this.ask();
    if (choice === undefined) return false;
    const loaded = await this.models.load(choice);
    // Saved only once it works, so a broken folder does not become the model of every next start.
    if (loaded) await this.save(choice);
    return loaded;
  }

  private async save(choice: string): Promise<void> {
    const { level, own } = this.settings.writeLayer('model');
    if (level === 'user') return this.settings.update('model', choice);
    const base = modelPathBase(level, vscode.workspace);
    const dir = resolveModel(choice, base);
    if (typeof own === 'string' && resolveModel(own, base) === dir) return;
    // a bundled model's name stays a name; a folder is named from the workspace where it lies inside it
    await this.settings.update('model', isBundledName(choice) ? choice : workspaceModelSetting(dir, base));
  }

  private async ask(): Promise<string | undefined> {
    const current = this.models.active?.dir;
    // The active model is listed even when it came from "Browse…" and no model folder holds it.
    const base = modelPathBase(this.settings.writeLayer('modelFolders').level, vscode.workspace);
    const entries = await findModels([...this.settings.current.modelFolders, ...(current ? [current] : [])], base);
    const pick = (entry: ModelEntry): ModelPick => ({
      label: entry.dir === current ? `$(check) ${entry.name}` : entry.name,
      description: [modelKind(entry), entry.source === 'bundled' ? vscode.l10n.t('bundled') : entry.dir].filter(Boolean).join(' · '),
      setting: modelSetting(entry),
    });
    const browse: ModelPick = { label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, description: vscode.l10n.t('a folder with model.onnx, meta.json and tokenizer.json') };
    const picked = await vscode.window.showQuickPick<ModelPick>(
      [...entries.map(pick), { label: '', kind: vscode.QuickPickItemKind.Separator }, browse],
      { title: vscode.l10n.t('Diffuse: Select Model'), placeHolder: vscode.l10n.t('Model to fill holes with') },
    );
    if (!picked) return undefined;
    if (picked.setting) return picked.setting;
    const folders = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: vscode.l10n.t('Use this model'),
    });
    return folders?.[0]?.fsPath;
  }
}
