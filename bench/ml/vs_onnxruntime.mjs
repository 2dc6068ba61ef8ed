// Tern's ML engine next to onnxruntime, one thread each, on the same models and inputs
// (issue 14, docs/performance.md "ML inference: Tern vs onnxruntime").
//
//   node bench/ml/vs_onnxruntime.mjs [--filter REGEX] [--repetitions N]
//
// Runs build/release/bench/ml/tern-bench-ml (Google Benchmark, CPU time, median of the
// repetitions) with TERN_BENCH_DUMP set, so it writes every case's model and inputs; then runs
// each model with onnxruntime-node (intra- and inter-op threads 1, sequential execution, all
// graph optimizations) on the same inputs, timing CPU per run (median of the repetitions, each
// at least 0.3 s), and prints a Markdown table with the ratio tern / onnxruntime.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeTensors } from "../../tests/e2e/lib/ml.mjs";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const filter = opt("--filter", ".");
const reps = Number(opt("--repetitions", "3"));
const bin = process.env.TERN_BENCH_ML || join(ROOT, "build/release/bench/ml/tern-bench-ml");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), "tern-vs-ort-"));
try {
  const run = spawnSync(bin, [`--benchmark_filter=${filter}`, "--benchmark_format=json",
    `--benchmark_repetitions=${reps}`, "--benchmark_report_aggregates_only=true"],
  { env: { ...process.env, TERN_BENCH_DUMP: dir }, encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`tern-bench-ml failed: ${run.stderr}`);
  const tern = new Map();
  for (const b of JSON.parse(run.stdout).benchmarks)
    if (b.aggregate_name === "median") tern.set(b.run_name, { cpu: b.cpu_time, unit: b.time_unit });

  const toNs = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
  const rows = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".onnx")).sort()) {
    const name = file.slice(0, -5);
    const runName = [...tern.keys()].find((k) => k.replace(/[/:]/g, "_") === name);
    if (!runName) continue;
    const session = await ort.InferenceSession.create(readFileSync(join(dir, file)), {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
    });
    const tensors = decodeTensors(readFileSync(join(dir, `${name}.inputs`)));
    const feeds = {};
    session.inputNames.forEach((n, i) => {
      const t = tensors[i];
      feeds[n] = new ort.Tensor(t.dtype, t.data, t.shape);
    });
    for (let i = 0; i < 3; ++i) await session.run(feeds);  // warm up
    const samples = [];
    for (let r = 0; r < reps; ++r) {
      let n = 0;
      const start = process.cpuUsage();
      let spent = 0;
      while (spent < 300_000) {  // microseconds of CPU
        await session.run(feeds);
        ++n;
        const d = process.cpuUsage(start);
        spent = d.user + d.system;
      }
      samples.push((spent * 1e3) / n);  // ns per run
    }
    const t = tern.get(runName);
    const ternNs = t.cpu * toNs[t.unit];
    rows.push({ name: runName, tern: ternNs, ort: median(samples) });
  }
  const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`);
  console.log("| benchmark | Tern (CPU, median) | onnxruntime 1 thread (CPU, median) | Tern / onnxruntime |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.tern)} | ${fmt(r.ort)} | ${(r.tern / r.ort).toFixed(2)}x |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
