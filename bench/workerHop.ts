/**
 * The inference worker hop alone: a stand-in worker answers every forward pass at once with
 * logits of the real size, so the time per pass is the frames' encoding, the pipes and the
 * decoding on both sides, nothing of onnxruntime. Shapes as the editor sends them: a canvas of
 * `length` tokens in `batch` rows (the hole lengths tried), `queries` masked positions.
 *
 *   node out/bench/workerHop.js [--runs 60] [--vocab 8192]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { nullLogger } from '../src/core/logger';
import { SessionHost } from '../src/model/runtime/sessionHost';
import type { WireTensor } from '../src/model/runtime/workerProtocol';
import { percentile } from '../src/cli/stats';
import { machineInfo, parseFlags, publish, repoRoot, round, run, type Row } from './common';

const FLAGS = { runs: 'passes per shape (default 60)', vocab: 'logits per queried position (default 8192, the bundled model\'s)' };
/** [batch, length, queries]: three rows of a short and of a full canvas, fewer masks left, six rows. */
const SHAPES = [[3, 128, 16], [3, 256, 16], [3, 256, 8], [6, 256, 16]] as const;

/** A worker that opens any session and answers each run with zeros of [batch, queries, vocab]. */
function echoWorker(vocab: number): string {
  const frames = path.join(repoRoot, 'out', 'src', 'model', 'runtime', 'frames.js');
  const file = path.join(tmpdir(), `diffuse-echo-worker-${process.pid}.js`);
  writeFileSync(file, `const { encodeFrame, FrameReader } = require(${JSON.stringify(frames)});
const reader = new FrameReader();
const reply = (id, value, arrays) => { for (const b of encodeFrame({ id, ok: true, value, cpu: process.cpuUsage() }, arrays)) process.stdout.write(b); };
process.stdin.on('data', (chunk) => {
  for (const { header } of reader.push(chunk)) {
    if (header.kind === 'open') { reply(header.id, { inputs: [], outputs: [] }, []); continue; }
    const [batch, queries] = header.feeds.find((f) => f.name === 'positions').dims;
    reply(header.id, { dims: [batch, queries, ${vocab}] }, [new Float32Array(batch * queries * ${vocab})]);
  }
});
process.stdin.on('end', () => process.exit(0));
`);
  return file;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const runs = Number(flags.runs ?? 60);
  const vocab = Number(flags.vocab ?? 8192);
  const load0 = loadavg()[0];
  const workerFile = echoWorker(vocab);
  const host = new SessionHost({ timeoutMs: 10_000, logger: nullLogger, workerFile });
  await host.open({ modelPath: 'echo', provider: 'cpu', threads: 1 });
  const rows: Row[] = [];
  for (const [batch, length, queries] of SHAPES) {
    const feeds: Record<string, WireTensor> = {
      input_ids: { type: 'int64', data: new Int32Array(batch * length), dims: [batch, length] },
      positions: { type: 'int64', data: new Int32Array(batch * queries), dims: [batch, queries] },
    };
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await host.run(feeds, 'logits');
      ms.push(performance.now() - started);
    }
    rows.push({ batch, length, queries, 'logits MB': round((batch * queries * vocab * 4) / 1e6, 1), 'hop p50 ms': round(percentile(ms, 0.5), 2), 'hop p95 ms': round(percentile(ms, 0.95), 2) });
  }
  await host.dispose();
  rmSync(workerFile);
  publish({
    bench: 'workerHop',
    title: 'The inference worker hop per forward pass (a stand-in worker that answers at once)',
    machine: machineInfo(),
    settings: { runs, vocab, loadavg: `${round(load0, 2)} -> ${round(loadavg()[0], 2)}` },
    rows,
  });
}

run(main);
