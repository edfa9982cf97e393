/**
 * Typed errors. Everything a user can cause (a corrupt model folder, a bad request, a cancelled
 * fill) surfaces as one of these, with a message that names the file or field and the reason.
 */

/** A model folder that cannot be used: missing/corrupt file, invalid meta.json, mismatched tokenizer. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    /** The file at fault (absolute path), or the folder when no single file is. */
    readonly file: string,
    /** Why it cannot be used, phrased for the user. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/** The inference runtime failed (session creation or a run), after every fallback was tried. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
}

/** A request the engine cannot serve as given (empty canvas, hole too long, bad option value). */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/**
 * Holes that, with the text between them, need more tokens than one canvas holds (cursors far
 * apart, or many of them), while each fits it alone: one request cannot denoise them jointly, but
 * each can be filled on its own.
 */
export class HolesApartError extends InvalidRequestError {}

/** The caller aborted the work; thrown between denoising steps. */
export class AbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was aborted.') {
    super(message);
  }
}

/** Throws `AbortedError` if `signal` is aborted. Called between denoising steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** A message for the log, the status bar or the worker's reply, from anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
