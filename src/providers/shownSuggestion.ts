/**
 * The suggestion last shown at a cursor, so that typing into it (the user typing what the ghost
 * text says, or backspacing within what they typed) is answered from it at once, without a new
 * fill. Pure.
 */
export interface ShownSuggestion {
  readonly uri: string;
  /** Document offset where the suggestion starts. */
  readonly start: number;
  /** The document text before `start`, last characters (the anchor that must not change). */
  readonly before: string;
  /** The document text after the cursor at show time, first characters. */
  readonly after: string;
  readonly text: string;
}

/** Characters of context kept on each side to recognise the same place in the document. */
export const ANCHOR_CHARS = 256;

/**
 * The shown suggestion as an item for a cursor inside it: a replacement from where it began to the
 * cursor, not an insertion at the cursor, so that VS Code goes on showing the item while the user
 * types or backspaces within it, instead of dropping it and asking again (PEERS.md §A.1: "when the
 * user presses backspace, the cache can be reused and there is no flickering").
 */
export interface TypedInto {
  /**
   * Document offset the item replaces from: where the suggestion began, or where the cursor's line
   * begins once the typing went past a line break (an item's range must stay on one line).
   */
  readonly start: number;
  /**
   * The document's own text from `start` to the cursor, then the rest of the suggestion: accepting
   * it leaves what was typed as it is and adds the rest.
   */
  readonly text: string;
}

/**
 * `shown` as an item at `offset` if the document there is the shown one with a prefix of the
 * suggestion typed at its start; undefined otherwise (a different place, the anchor edited, or
 * typed text that departs from the suggestion, or nothing left to suggest). Line breaks compare
 * as `\n` (what is typed and what was shown may spell them apart); the rest keeps the suggestion's
 * own spelling.
 */
export function typedInto(
  shown: ShownSuggestion | undefined,
  doc: { uri: string; text: string; offset: number },
): TypedInto | undefined {
  if (!shown || shown.uri !== doc.uri || doc.offset < shown.start) return undefined;
  if (doc.text.slice(Math.max(0, shown.start - ANCHOR_CHARS), shown.start) !== shown.before) return undefined;
  const typedInDocument = doc.text.slice(shown.start, doc.offset);
  const typed = lineFeeds(typedInDocument);
  const suggestion = lineFeeds(shown.text);
  if (!suggestion.startsWith(typed) || typed.length >= suggestion.length) return undefined;
  if (!doc.text.slice(doc.offset).startsWith(shown.after.slice(0, Math.max(0, ANCHOR_CHARS - typedInDocument.length)))) return undefined;
  const rest = suggestion.slice(typed.length);
  const spelled = shown.text.includes('\r\n') ? rest.replace(/\n/g, '\r\n') : rest;
  // past a typed line break the item begins where the cursor's line does (one line, TypedInto.start)
  const start = shown.start + typedInDocument.lastIndexOf('\n') + 1;
  return { start, text: doc.text.slice(start, doc.offset) + spelled };
}

const lineFeeds = (text: string) => text.replace(/\r\n/g, '\n');

export function anchorAt(uri: string, text: string, start: number, suggestion: string): ShownSuggestion {
  return {
    uri,
    start,
    before: text.slice(Math.max(0, start - ANCHOR_CHARS), start),
    after: text.slice(start, start + ANCHOR_CHARS),
    text: suggestion,
  };
}
