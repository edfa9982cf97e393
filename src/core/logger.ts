/**
 * The logging surface every layer writes to. The extension backs it with a VS Code
 * `LogOutputChannel`; the CLI with stderr; tests with `nullLogger`. Lines carry a component tag,
 * e.g. `[model] loaded diffuse-small in 412 ms (webgpu)`.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger that prefixes every line with `[component] `. */
export function taggedLogger(base: Logger, component: string): Logger {
  const tag = `[${component}] `;
  return {
    trace: (m) => base.trace(tag + m),
    debug: (m) => base.debug(tag + m),
    info: (m) => base.info(tag + m),
    warn: (m) => base.warn(tag + m),
    error: (m) => base.error(tag + m),
  };
}
