import * as vscode from 'vscode';
import { taggedLogger } from './core/logger';
import type { DiffuseApi } from './providers/api';
import { DenoiseView } from './providers/denoiseView';
import { FillCommand } from './providers/fillCommand';
import { FillPreview } from './providers/fillPreview';
import { Filler } from './providers/filler';
import { InlineProvider } from './providers/inlineProvider';
import { channelLogger } from './providers/logging';
import { ModelManager } from './providers/modelManager';
import { ModelPicker } from './providers/modelPicker';
import { Notices } from './providers/notices';
import { Settings } from './providers/settings';
import { StatusBar } from './providers/statusBar';
import { SuggestionToggle } from './providers/suggestionToggle';

/**
 * The composition root: builds every piece, hands each its dependencies, registers them with VS
 * Code and leaves their disposal to `context.subscriptions`. The model loads in the background;
 * activation never waits for it.
 */
export function activate(context: vscode.ExtensionContext): DiffuseApi {
  const channel = vscode.window.createOutputChannel('Diffuse', { log: true });
  const logger = channelLogger(channel);
  const settings = new Settings();
  const models = new ModelManager(settings, logger);
  const filler = new Filler(models, settings, logger);
  const notices = new Notices();
  const inlineProvider = new InlineProvider(filler, settings, notices, logger, channel.onDidChangeLogLevel);
  const preview = new FillPreview(notices, logger);
  const fillCommand = new FillCommand(filler, models, settings, preview, notices, logger);
  const picker = new ModelPicker(models, settings);
  const view = new DenoiseView(context.extensionUri, settings, filler);
  const statusBar = new StatusBar(models, filler, notices);
  const toggle = new SuggestionToggle(settings);
  context.subscriptions.push(
    channel,
    settings,
    models,
    filler,
    notices,
    preview,
    inlineProvider,
    view,
    statusBar,
    toggle,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, inlineProvider),
    vscode.languages.registerCodeLensProvider({ pattern: '**' }, preview),
    vscode.window.registerWebviewViewProvider(DenoiseView.viewId, view),
    vscode.commands.registerCommand('diffuse.fill', () => fillCommand.run()),
    vscode.commands.registerCommand('diffuse.acceptFill', () => preview.accept()),
    vscode.commands.registerCommand('diffuse.rejectFill', () => preview.reject()),
    vscode.commands.registerCommand('diffuse.cancelFill', () => filler.cancelAll()),
    vscode.commands.registerCommand('diffuse.pickModel', (nameOrDir?: unknown) => picker.run(nameOrDir)),
    vscode.commands.registerCommand('diffuse.toggleSuggestions', (scope?: unknown) => toggle.run(scope)),
    vscode.commands.registerCommand('diffuse.showLog', () => channel.show()),
  );
  taggedLogger(logger, 'extension').info(`activated (VS Code ${vscode.version}, trusted workspace: ${vscode.workspace.isTrusted})`);
  void models.load(settings.current.model);

  return {
    inlineProvider,
    ready: () => models.ready(),
    modelName: () => models.active?.name,
    provider: () => models.active?.provider,
    lastFill: () => filler.lastFill,
    modelState: () => models.state,
    activity: () => filler.activity,
    fillPreview: () => preview.current,
    notice: () => notices.latest,
    statusBar: () => statusBar.shown,
    suggestionToggle: () => toggle.shown,
    denoiseTraces: () => filler.lastTraces.map(({ origin: { file, line, holeLines, hole } }) => ({ file, line, holeLines, hole })),
  };
}
