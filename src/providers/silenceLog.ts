import type { Logger } from '../core/logger';
import { LruCache } from '../core/lru';

/** An event of the log's level changing, as `vscode.LogOutputChannel.onDidChangeLogLevel` is one: this module stays free of VS Code. */
export type LevelChanges = (listener: (level: unknown) => void) => { dispose(): void };

/** Documents whose reasons are remembered; the least recently silenced is forgotten first. */
const DOCUMENTS = 64;

/**
 * Why the ghost text stayed silent, at debug level: every suppressed suggestion has a reason in the
 * log (UX.md, README "Troubleshooting"). Automatic requests come at each keystroke and would repeat
 * the same reason each time, so a reason is logged once per document until that document's
 * silence ends (`forget`: a request that fills), the settings change (`forgetAll`) or the log's
 * level changes: a user who lowers the channel to Debug to learn why nothing shows must see the
 * reasons already said while they were filtered out.
 */
export class SilenceLog {
  private said = new LruCache<string, Set<string>>(DOCUMENTS);
  private readonly levelSubscription: { dispose(): void } | undefined;

  constructor(private readonly log: Logger, levelChanges?: LevelChanges) {
    this.levelSubscription = levelChanges?.(() => this.forgetAll());
  }

  /** Logs `reason` for `document` (a name for it, e.g. its URI) unless it is logged already. */
  say(document: string, reason: string): void {
    const reasons = this.said.get(document) ?? new Set<string>();
    if (reasons.has(reason)) return;
    reasons.add(reason);
    this.said.set(document, reasons);
    this.log.debug(`silent: ${reason} (${document})`);
  }

  /** `document` was not silenced: its next silence is logged again. */
  forget(document: string): void {
    if (this.said.get(document)) this.said.set(document, new Set());
  }

  forgetAll(): void {
    this.said = new LruCache(DOCUMENTS);
  }

  dispose(): void {
    this.levelSubscription?.dispose();
  }
}
