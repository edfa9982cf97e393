import { errorMessage, InferenceError, isAbortError, ModelLoadError } from '../../core/errors';
import type { Logger } from '../../core/logger';

/**
 * Tries `open` on each provider in order and returns the first that works, with the providers
 * that failed before it. A `ModelLoadError` means the model, not the provider, is at fault, and an
 * abort means the caller has stopped waiting, so either stops the search; any other failure is
 * logged and the next provider is tried: as a warning, or at debug level when `failureIsExpected`
 * (the automatic choice probes providers the machine may well lack, e.g. WebGPU without a GPU:
 * that is no news, and the CLI prints it only with `--verbose`; the caller names the skipped
 * providers in its own line).
 */
export async function openWithFallback<T>(
  providers: readonly string[],
  open: (provider: string) => Promise<T>,
  logger: Logger,
  failureIsExpected = false,
): Promise<{ value: T; provider: string; failed: string[] }> {
  const failures: string[] = [];
  for (const [index, provider] of providers.entries()) {
    try {
      return { value: await open(provider), provider, failed: providers.slice(0, index) };
    } catch (error) {
      if (error instanceof ModelLoadError || isAbortError(error)) throw error;
      const reason = errorMessage(error).trim();
      failures.push(`${provider}: ${reason}`);
      const next = providers[index + 1];
      const message = `${provider} execution provider failed (${reason})${next ? `; falling back to ${next}` : ''}`;
      if (failureIsExpected && next) logger.debug(message);
      else logger.warn(message);
    }
  }
  throw new InferenceError(`no execution provider could run the model (${failures.join('; ') || 'none to try'})`);
}
