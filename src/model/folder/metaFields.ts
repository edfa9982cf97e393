import { ModelLoadError } from '../../core/errors';

/**
 * Reads typed fields out of parsed meta.json, throwing a `ModelLoadError` that names the file and
 * the field (dotted path, e.g. `schedule.eps`) on the first missing or ill-typed one.
 */
export class MetaFields {
  constructor(
    private readonly file: string,
    private readonly value: Record<string, unknown>,
    private readonly prefix = '',
  ) {}

  static parse(file: string, text: string): MetaFields {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ModelLoadError(file, `invalid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (!isObject(value)) throw new ModelLoadError(file, `expected a JSON object, got ${describe(value)}`);
    return new MetaFields(file, value);
  }

  fail(key: string, expected: string): never {
    const field = this.prefix + key;
    if (!(key in this.value)) throw new ModelLoadError(this.file, `missing field '${field}' (${expected})`);
    throw new ModelLoadError(this.file, `field '${field}' must be ${expected}, got ${describe(this.value[key])}`);
  }

  object(key: string): MetaFields {
    const value = this.value[key];
    if (!isObject(value)) this.fail(key, 'an object');
    return new MetaFields(this.file, value, `${this.prefix}${key}.`);
  }

  /** An informational object (training config, results): absent means empty. */
  optionalRecord(key: string): Readonly<Record<string, unknown>> {
    const value = this.value[key];
    if (value === undefined) return {};
    if (!isObject(value)) this.fail(key, 'an object');
    return value;
  }

  string(key: string): string {
    const value = this.value[key];
    if (typeof value !== 'string' || value === '') this.fail(key, 'a non-empty string');
    return value;
  }

  nullableString(key: string): string | null {
    return this.value[key] === null ? null : this.string(key);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.value[key];
    if (!allowed.includes(value as T)) this.fail(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return value as T;
  }

  /** A number strictly between `min` and `max` (an infinite `max`: any finite number above `min`). */
  numberBetween(key: string, min: number, max = Infinity): number {
    const value = this.value[key];
    if (!isBetween(value, min, max)) this.fail(key, betweenText(min, max));
    return value;
  }

  /** An array of exactly `length` numbers, each strictly between `min` and `max` (see `numberBetween`). */
  numbersBetween(key: string, length: number, min: number, max = Infinity): number[] {
    const value = this.value[key];
    if (!Array.isArray(value) || value.length !== length) this.fail(key, `an array of ${length} numbers, each ${betweenText(min, max)}`);
    const bad = value.findIndex((item) => !isBetween(item, min, max));
    if (bad >= 0) {
      throw new ModelLoadError(this.file, `field '${this.prefix}${key}[${bad}]' must be ${betweenText(min, max)}, got ${describe(value[bad])}`);
    }
    return value as number[];
  }

  /** A field that must be JSON `true` (a fact of the format that a later version may relax). */
  requireTrue(key: string): void {
    if (this.value[key] !== true) this.fail(key, 'true');
  }

  /** A JSON boolean; absent or null means `fallback`. */
  optionalBoolean(key: string, fallback: boolean): boolean {
    const value = this.value[key];
    if (this.isUnset(key)) return fallback;
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  /** Whether the field is absent or null. */
  isUnset(key: string): boolean {
    return this.value[key] === undefined || this.value[key] === null;
  }

  /** Rejects a well-typed value that does not fit the rest of the meta, saying why. */
  reject(key: string, reason: string): never {
    throw new ModelLoadError(this.file, `field '${this.prefix}${key}' is ${describe(this.value[key])}: ${reason}`);
  }

  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.value[key];
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      this.fail(key, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`);
    }
    return value as number;
  }

  nullableInteger(key: string, min: number, max?: number): number | null {
    return this.value[key] === null ? null : this.integer(key, min, max);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > min && value < max;
}

function betweenText(min: number, max: number): string {
  return max === Infinity ? `a finite number > ${min}` : `a number in (${min}, ${max})`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would print as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (a number too large to be finite)`;
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
