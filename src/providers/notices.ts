import * as vscode from 'vscode';
import { Disposable } from './disposable';

/** How long a notice stays in the status bar. */
const NOTICE_MS = 6000;

/**
 * Brief word of why an explicit request showed nothing (or showed something low-confidence): the
 * status bar shows the latest notice for a few seconds. No notifications: a notice never asks
 * for a click. One writer of "what did the last explicit request do", read by the status bar
 * and by tests (`DiffuseApi.notice`).
 */
export class Notices extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private _current: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last: string | undefined;

  constructor() {
    super();
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  /** The notice shown now, if any. */
  get current(): string | undefined {
    return this._current;
  }

  /** The last notice given, shown or expired (for tests). */
  get latest(): string | undefined {
    return this.last;
  }

  say(message: string): void {
    clearTimeout(this.timer);
    this._current = message;
    this.last = message;
    this.timer = setTimeout(() => this.clear(), NOTICE_MS);
    if (!this.isDisposed) this._onDidChange.fire();
  }

  clear(): void {
    clearTimeout(this.timer);
    if (this._current === undefined) return;
    this._current = undefined;
    if (!this.isDisposed) this._onDidChange.fire();
  }
}
