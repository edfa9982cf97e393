/**
 * The one rule for what `diffuse.minConfidence` hides, shared by the ghost text and "Diffuse fill"
 * (pure). Items below the floor are hidden; but when that would hide every item of an explicit
 * request, the first `showAnyway` of them are kept and marked low-confidence, so an explicit
 * trigger is never a silent no-op. Automatic requests pass `showAnyway: 0` and stay silent.
 */
export interface Gated<T> {
  readonly kept: T[];
  /** How many items the floor hid. */
  readonly hidden: number;
  /** The kept items are all below the floor, shown because the request was explicit. */
  readonly lowConfidence: boolean;
}

export function gateByConfidence<T>(items: readonly T[], confidence: (item: T) => number, minConfidence: number, showAnyway: number): Gated<T> {
  const kept = items.filter((item) => confidence(item) >= minConfidence);
  if (kept.length > 0 || items.length === 0 || showAnyway <= 0) return { kept, hidden: items.length - kept.length, lowConfidence: false };
  const forced = items.slice(0, showAnyway);
  return { kept: forced, hidden: items.length - forced.length, lowConfidence: true };
}
