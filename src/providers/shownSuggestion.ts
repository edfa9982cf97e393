/**
 * The suggestion last shown at a cursor, so that typing into it (the user typing what the ghost
 * text says) is answered with its remainder at once, without a new fill. Pure.
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
 * The rest of `shown` if the document at `offset` is the shown one with a prefix of the suggestion
 * typed at its start; undefined otherwise (a different place, the anchor edited, or typed text
 * that departs from the suggestion, or nothing left to suggest). Line breaks compare as `\n` (what
 * is typed and what was shown may spell them apart); the rest keeps the suggestion's own spelling.
 */
export function remainderAfterTyping(
  shown: ShownSuggestion | undefined,
  doc: { uri: string; text: string; offset: number },
): string | undefined {
  if (!shown || shown.uri !== doc.uri || doc.offset < shown.start) return undefined;
  if (doc.text.slice(Math.max(0, shown.start - ANCHOR_CHARS), shown.start) !== shown.before) return undefined;
  const typedInDocument = doc.text.slice(shown.start, doc.offset);
  const typed = lineFeeds(typedInDocument);
  const suggestion = lineFeeds(shown.text);
  if (!suggestion.startsWith(typed) || typed.length >= suggestion.length) return undefined;
  if (!doc.text.slice(doc.offset).startsWith(shown.after.slice(0, Math.max(0, ANCHOR_CHARS - typedInDocument.length)))) return undefined;
  const rest = suggestion.slice(typed.length);
  return shown.text.includes('\r\n') ? rest.replace(/\n/g, '\r\n') : rest;
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
