import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { ModelLoadError } from '../../src/core/errors';
import { formatRecord, isBadLine, parseTask } from '../../src/cli/tasks';
import { parseMeta } from '../../src/model/folder/meta';
import { byteLevelTokenizerJson, testMeta } from './helpers/onnxTestModel';

/**
 * Property-based tests of the two inputs users write by hand: task lines and meta.json. Each
 * property runs for at most TIME_LIMIT_MS (fast-check stops early and the test passes on what ran);
 * a failure prints the seed and the shrunk counterexample.
 */
const TIME_LIMIT_MS = 2000;
const settings = { numRuns: 5000, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false };

/** JSON values with the odd corners: unicode (lone '\r', BOM, astral), huge and tiny numbers. */
const anyJson = fc.jsonValue({ maxDepth: 3, depthSize: 'small', stringUnit: 'binary' });
/** Numbers written as JSON text, as a human or another tool might write them. */
const numberText = fc.tuple(
  fc.constantFrom('', '-'),
  fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,25}$/)),
  fc.option(fc.stringMatching(/^\.[0-9]{1,8}$/), { nil: '' }),
  fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/), { nil: '' }),
).map((parts) => parts.join(''));
const space = fc.stringMatching(/^[ \t\r]{0,3}$/);

describe('fuzz', function () {
  this.timeout(4 * TIME_LIMIT_MS + 10_000);

  describe('task lines', () => {
    it('any line becomes a task or an error record naming what is wrong; never a throw', () => {
      const line = fc.oneof(fc.string({ unit: 'binary' }), anyJson.map((v) => JSON.stringify(v)), fc.record({
        task_id: fc.oneof(anyJson, fc.string()),
        prefix: fc.oneof(fc.string({ unit: 'binary' }), anyJson),
        suffix: fc.option(fc.oneof(fc.string({ unit: 'binary' }), anyJson), { nil: undefined }),
        max_tokens: fc.option(anyJson, { nil: undefined }),
      }).map((r) => JSON.stringify(r)));
      fc.assert(fc.property(line, (text) => {
        const parsed = parseTask(text);
        if (isBadLine(parsed)) {
          assert.match(parsed.error, /invalid JSON|a task must be a JSON object|task_id|prefix|suffix|max_tokens/);
        } else {
          assert.equal(typeof parsed.prefix, 'string');
          assert.equal(typeof parsed.suffix, 'string');
          assert.ok(parsed.maxTokens === undefined || (Number.isInteger(parsed.maxTokens) && parsed.maxTokens > 0));
        }
        // Every record it leads to is one line of valid JSON.
        const record = formatRecord(parsed, { error: 'x' });
        assert.ok(!record.includes('\n'));
        JSON.parse(record);
      }), settings);
    });

    it('a numeric task_id comes back as written, wherever it sits in the object', () => {
      const task = fc.record({ id: numberText, before: space, after: space, first: fc.boolean(), prefix: fc.string({ unit: 'binary' }) });
      fc.assert(fc.property(task, ({ id, before, after, first, prefix }) => {
        const idField = `"task_id"${before}:${after}${id}`;
        const prefixField = `"prefix":${JSON.stringify(prefix)}`;
        const line = `{${first ? `${idField},${prefixField}` : `${prefixField},${idField}`}}`;
        const parsed = parseTask(line);
        assert.ok(!isBadLine(parsed), line);
        const record = formatRecord(parsed, { completion: '' });
        assert.ok(record.startsWith(`{"task_id":${id},`), `${line} -> ${record}`);
        assert.deepEqual(JSON.parse(record).task_id, JSON.parse(line).task_id);
      }), settings);
    });
  });

  describe('meta.json', () => {
    const tokenizer = byteLevelTokenizerJson();
    const valid = testMeta(tokenizer);
    const keys = Object.keys(valid);
    const isNamedError = (error: unknown): boolean =>
      error instanceof ModelLoadError && error.file === 'meta.json' &&
      /^(missing field '|field '|invalid JSON|expected a JSON object)/.test(error.reason);

    it('any text is a valid meta or a ModelLoadError naming meta.json and the field', () => {
      fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), anyJson.map((v) => JSON.stringify(v))), (text) => {
        try {
          parseMeta('meta.json', text);
        } catch (error) {
          assert.ok(isNamedError(error), String(error));
        }
      }), settings);
    });

    it('a valid meta with fields changed, removed or nested differently is accepted or refused by field', () => {
      const edit = fc.array(fc.tuple(fc.constantFrom(...keys, 'schedule.eps', 'schedule.type', 'inputs.cond', 'outputs.logits'), fc.option(anyJson, { nil: undefined })), { minLength: 1, maxLength: 3 });
      fc.assert(fc.property(edit, (edits) => {
        const meta = structuredClone(valid) as Record<string, unknown>;
        for (const [key, value] of edits) {
          const [outer, inner] = key.split('.');
          const target = inner === undefined ? meta : (meta[outer] as Record<string, unknown> | undefined);
          if (typeof target !== 'object' || target === null || Array.isArray(target)) continue;
          if (value === undefined) delete target[inner ?? outer];
          else target[inner ?? outer] = value;
        }
        try {
          const parsed = parseMeta('meta.json', JSON.stringify(meta));
          assert.ok(Number.isSafeInteger(parsed.spec.vocabSize) && parsed.spec.maskId >= 0 && parsed.spec.maskId < parsed.spec.vocabSize);
        } catch (error) {
          assert.ok(isNamedError(error), String(error));
          const field = /field '([^']+)'/.exec((error as ModelLoadError).reason)?.[1];
          // a field another edit asks for: a time-conditioned cond_kind needs the cond input
          const asked = edits.some(([key]) => key === 'cond_kind') && field === 'inputs.cond';
          assert.ok(field === undefined || asked || edits.some(([key]) => field.startsWith(key.split('.')[0])) || /^schedule\.|^p_m$/.test(field), `${field} was not edited: ${JSON.stringify(edits)}`);
        }
      }), { ...settings, examples: [[[['cond_kind', 't'], ['outputs', undefined]]]] });
    });
  });
});
