import * as vscode from 'vscode';
import type { Logger } from '../core/logger';

/**
 * The core `Logger` backed by the one "Diffuse" log channel. The channel does levels and
 * timestamps; components tag their lines through `taggedLogger`.
 */
export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (message) => channel.trace(message),
    debug: (message) => channel.debug(message),
    info: (message) => channel.info(message),
    warn: (message) => channel.warn(message),
    error: (message) => channel.error(message),
  };
}
