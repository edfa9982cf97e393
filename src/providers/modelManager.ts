import * as vscode from 'vscode';
import { errorMessage, isAbortError } from '../core/errors';
import { taggedLogger, type Logger } from '../core/logger';
import { loadModel, resolveModel, type LoadedModel } from '../model';
import { Disposable } from './disposable';
import { modelPathBase } from './modelPathBase';
import type { Settings } from './settings';

export type ModelState =
  | { readonly kind: 'loading'; readonly target: string }
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Owns the loaded model: loads the configured one, switches on request, releases the old session
 * once the new one works. A failed load never crashes anything: the state says why, and the
 * previous model (if any) keeps serving. A newer load aborts an older one still under way (a
 * model that never finishes loading is stopped, not waited for). A model whose inference worker
 * keeps dying turns the state to an error. Switching models cancels fills on the old one quietly
 * (they end as cancelled, see `LoadedModel.dispose`).
 */
export class ModelManager extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly log: Logger;
  private _active: LoadedModel | undefined;
  private _state: ModelState = { kind: 'loading', target: '' };
  private pending: Promise<void> = Promise.resolve();
  private generation = 0;
  private loading: AbortController | undefined;

  constructor(private readonly settings: Settings, private readonly logger: Logger) {
    super();
    this.log = taggedLogger(logger, 'models');
    this._register(settings.onDidChange((keys) => {
      if (keys.includes('executionProvider') || keys.includes('threads')) void this.load(settings.current.model, { force: true });
      else if (keys.includes('model')) void this.load(settings.current.model);
    }));
    this._register({
      dispose: () => {
        this.loading?.abort();
        return this.release(this._active);
      },
    });
  }

  get active(): LoadedModel | undefined {
    return this._active;
  }

  get state(): ModelState {
    return this._state;
  }

  /**
   * Settles when the latest load has, a load begun while waiting included (a newer choice aborts
   * the one under way, which then settles first): resolves if a model is loaded, rejects with the
   * reason if none is.
   */
  async ready(): Promise<void> {
    for (let waited: Promise<void> | undefined; waited !== this.pending; ) {
      waited = this.pending;
      await waited;
    }
    if (!this._active) throw new Error(this._state.kind === 'error' ? this._state.message : 'no model loaded');
  }

  /**
   * Loads the model named by `nameOrDir` (a bundled name or a folder, a relative one read as
   * `diffuse.model` would be; undefined = the default). Resolves to whether it is now the active
   * model. Never rejects.
   */
  load(nameOrDir: string | undefined, options: { force?: boolean } = {}): Promise<boolean> {
    const dir = resolveModel(nameOrDir, modelPathBase(this.settings.writeLayer('model').level, vscode.workspace));
    if (!options.force && this._active?.dir === dir && this._state.kind === 'ready') return Promise.resolve(true);
    const generation = ++this.generation;
    this.loading?.abort();
    this.loading = new AbortController();
    const done = this.loadDir(dir, generation, this.loading.signal);
    this.pending = done.then(() => undefined);
    return done;
  }

  private async loadDir(dir: string, generation: number, signal: AbortSignal): Promise<boolean> {
    this.setState({ kind: 'loading', target: dir });
    this.log.info(`loading ${dir}`);
    try {
      const model = await loadModel(dir, {
        executionProvider: this.settings.current.executionProvider,
        threads: this.settings.current.threads,
        logger: this.logger,
        signal,
        onFailure: (error) => this.failed(dir, error),
      });
      if (generation !== this.generation || this.isDisposed) {
        this.log.debug(`a newer request replaced ${model.name}; releasing it`);
        await this.release(model);
        return false;
      }
      const previous = this._active;
      this._active = model;
      this.setState({ kind: 'ready' });
      await this.release(previous);
      return true;
    } catch (error) {
      if (isAbortError(error)) {
        this.log.debug(`stopped loading ${dir}: a newer request replaced it`);
        return false;
      }
      const message = errorMessage(error);
      this.log.error(`cannot load ${dir}: ${message}`);
      if (generation === this.generation) this.setState({ kind: 'error', message });
      return false;
    }
  }

  /** The active model's worker keeps dying: say so, where the status bar shows it. */
  private failed(dir: string, error: Error): void {
    this.log.error(error.message);
    if (this._active?.dir === dir) this.setState({ kind: 'error', message: error.message });
  }

  private async release(model: LoadedModel | undefined): Promise<void> {
    if (!model) return;
    await model.dispose().catch((error: unknown) => this.log.warn(`releasing ${model.name}: ${errorMessage(error)}`));
  }

  private setState(state: ModelState): void {
    this._state = state;
    if (!this.isDisposed) this._onDidChange.fire();
  }
}
