/**
 * The largest buffer kept, in floats (8 MiB): a typist's answers are 0.1-1.5 MB, but a fill of many
 * holes or long ones asks for tens of MB (4 rows · 256 queries · 8192 ids: 32 MiB), and four such kept
 * would stay for the whole session where a fresh array a call is collected after the fill.
 */
const MAX_KEPT_FLOATS = 1 << 21;

/**
 * Arrays for the logits of the worker's answers, handed back by the sampler once read
 * (`Denoiser.recycle`) and given out again: a single-line fill's ~6 calls each brought a fresh
 * 0.1-1.5 MB array (zeroed, then collected), ~0.2 ms a call more than refilling a used one
 * (bench/README.md §70). A fill's calls ask for many lengths (its rows' queries shrink as they
 * fill), so an answer goes into the smallest waiting buffer that holds it, as a view of its start.
 */
export class LogitsPool {
  /** Buffers waiting to be given out again, each as an array over the whole of it. */
  private readonly free: Float32Array[] = [];
  /** Buffers given out and not yet handed back: the only ones taken back, once each. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  /**
   * At most `limit` buffers wait, the smallest dropped first (a larger one serves any call): a
   * fill holds two answers at once, four while it joins a refresh's rows (the previous answer, the
   * first row's, the later rows' and the joined one). A buffer of more than `maxFloats` floats is
   * not kept.
   */
  constructor(
    private readonly limit = 4,
    private readonly maxFloats = MAX_KEPT_FLOATS,
  ) {}

  /** `length` floats (stale contents) over a waiting buffer, or a fresh array. */
  take(length: number): Float32Array {
    let best = -1;
    this.free.forEach((array, i) => {
      if (array.length >= length && (best < 0 || array.length < this.free[best]!.length)) best = i;
    });
    const whole = best < 0 ? new Float32Array(length) : this.free.splice(best, 1)[0]!;
    this.lent.add(whole.buffer);
    return whole.length === length ? whole : whole.subarray(0, length);
  }

  /** `array`, from `take`, is read no more; any other array (or a second hand-back) is ignored, and a buffer past `maxFloats` dropped. */
  recycle(array: Float32Array): void {
    if (!this.lent.delete(array.buffer) || array.buffer.byteLength > this.maxFloats * Float32Array.BYTES_PER_ELEMENT) return;
    this.free.push(new Float32Array(array.buffer));
    if (this.free.length <= this.limit) return;
    const smallest = this.free.reduce((min, a, i) => (a.length < this.free[min]!.length ? i : min), 0);
    this.free.splice(smallest, 1);
  }
}
