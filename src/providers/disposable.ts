import * as vscode from 'vscode';

/**
 * Base for objects that own other disposables (markdown-language-features' `util/dispose.ts`
 * idiom): register them with `_register`, dispose everything at once. A registration after dispose
 * is disposed at once, so a late listener cannot leak.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly _disposables: vscode.Disposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this._isDisposed) value.dispose();
    else this._disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const errors: unknown[] = [];
    for (const d of this._disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'errors while disposing');
  }
}
