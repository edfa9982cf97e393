/**
 * Arrays the inference worker reuses for the context it keeps (sessionWorker.ts). A refresh keeps
 * about 6 MB of keys and as much of values on the bundled model, and a carried fill builds both
 * again; writing them into fresh arrays cost 2.5-3.7 ms a tensor, against 0.4 ms into an array
 * that had been written before (the fresh one's pages are faulted in by the copy itself). A new
 * kept tensor goes into a pooled array that no tensor still in use holds.
 */
export class KeptBuffers {
  private readonly pool: Float32Array[] = [];

  /**
   * At most `limit` pooled arrays, beyond which an array is allocated as before: a run holds the
   * kept keys and values, their carried form and the extended one at once (six).
   */
  constructor(private readonly limit = 6) {}

  /** `length` floats over a pooled array that none of `inUse` is a view of (its contents are stale). */
  take(length: number, inUse: readonly Float32Array[]): Float32Array {
    const busy = new Set(inUse.map((array) => array.buffer));
    let index = this.pool.findIndex((array) => !busy.has(array.buffer));
    if (index < 0) {
      if (this.pool.length >= this.limit) return new Float32Array(length);
      index = this.pool.push(new Float32Array(length)) - 1;
    } else if (this.pool[index]!.length < length) {
      this.pool[index] = new Float32Array(length);
    }
    return this.pool[index]!.subarray(0, length);
  }
}
