import { ModelLoadError } from '../core/errors';

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

  number(key: string, min: number, max: number): number {
    const value = this.value[key];
    if (typeof value !== 'number' || !(value >= min && value <= max)) this.fail(key, `a number in [${min}, ${max}]`);
    return value;
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

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
