// Starts the chain under test (tern or anvil) on a free port, waits until it answers JSON-RPC,
// and stops it again: from an `after` hook, and also when the test process exits for any reason.
//
//   TERN_E2E_TARGET = tern (default) | anvil
//   TERN_BIN        = path of the tern binary (default build/release/tools/tern/tern)
//   ANVIL_BIN       = path of anvil (default node_modules/.bin/anvil)
//   TERN_E2E_LOG    = 1: forward the node's stdout/stderr to this process's stderr
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (tests/e2e/lib -> ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Which chain the suite runs against. */
export const TARGET = (process.env.TERN_E2E_TARGET || "tern").toLowerCase();
if (TARGET !== "tern" && TARGET !== "anvil")
  throw new Error(`TERN_E2E_TARGET must be "tern" or "anvil", not "${TARGET}"`);

/** True when the target is anvil (used to skip tern-only tests, with a reason). */
export const IS_ANVIL = TARGET === "anvil";

/** Chain id both targets use in dev mode. */
export const CHAIN_ID = 31337;

const live = new Set();
process.on("exit", () => {
  for (const node of live) node.killNow();
});
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    for (const node of live) node.killNow();
    process.exit(130);
  });

/** A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed before returning). */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Path of a Foundry tool (anvil, cast) installed from npm. The native binary of the platform
 * package is preferred over the node_modules/.bin wrapper: the wrapper does not pass on the exit
 * code, and a SIGKILL to it would leave the real process running.
 */
export function foundryBin(tool) {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  const native = join(REPO_ROOT, `node_modules/@foundry-rs/${tool}-${process.platform}-${arch}/bin/${tool}`);
  return existsSync(native) ? native : join(REPO_ROOT, `node_modules/.bin/${tool}`);
}

function binary() {
  if (TARGET === "anvil") return process.env.ANVIL_BIN || foundryBin("anvil");
  return process.env.TERN_BIN || join(REPO_ROOT, "build/release/tools/tern/tern");
}

/** Sends one JSON-RPC request over HTTP and returns the parsed response body. */
export async function rawRpc(url, method, params = [], id = 1) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
  return res.json();
}

/** A running node: `url` (HTTP), `wsUrl` (WebSocket, same port), `stop()`, `kill9()`. */
class RunningNode {
  constructor(proc, port, args) {
    this.proc = proc;
    this.port = port;
    this.args = args;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    this.output = "";
    this.exited = new Promise((res) => proc.once("exit", (code, signal) => res({ code, signal })));
    proc.stdout.on("data", (d) => this.#log(d));
    proc.stderr.on("data", (d) => this.#log(d));
  }

  #log(d) {
    this.output += d.toString();
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    if (process.env.TERN_E2E_LOG === "1") process.stderr.write(d);
  }

  /** JSON-RPC call that throws on an error response; returns `result`. */
  async rpc(method, params = []) {
    const body = await rawRpc(this.url, method, params);
    if (body.error) {
      const e = new Error(`${method}: ${body.error.message} (code ${body.error.code})`);
      e.rpcError = body.error;
      throw e;
    }
    return body.result;
  }

  /** Kills the process at once (SIGKILL), synchronously; used on process exit. */
  killNow() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    live.delete(this);
  }

  /** SIGKILL and wait until the process is gone (the crash test). */
  async kill9() {
    this.killNow();
    await this.exited;
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.killNow(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    live.delete(this);
  }
}

/**
 * Starts the target on a free port and resolves once `eth_chainId` answers.
 * options.dataDir: persistent data directory (tern only: `tern dev --data-dir D`).
 * options.extraArgs: more command-line arguments.
 */
export async function startNode({ dataDir, extraArgs = [], timeoutMs = 30_000 } = {}) {
  const bin = binary();
  if (!existsSync(bin))
    throw new Error(`${TARGET} binary not found at ${bin}` +
      (TARGET === "tern" ? " (build it, or set TERN_BIN, or TERN_E2E_TARGET=anvil)" : " (npm ci)"));
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = TARGET === "anvil"
      ? ["--port", String(port), "--host", "127.0.0.1", ...extraArgs]
      : ["dev", "--port", String(port), ...(dataDir ? ["--data-dir", dataDir] : []), ...extraArgs];
    const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const node = new RunningNode(proc, port, args);
    live.add(node);
    try {
      await waitReady(node, timeoutMs);
      return node;
    } catch (e) {
      lastError = e;
      await node.stop(1000);
      // A port taken between freePort() and bind is the only reason worth a retry.
      if (!/exited/.test(e.message)) break;
    }
  }
  throw lastError;
}

async function waitReady(node, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  node.exited.then((x) => (exited = x));
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${TARGET} exited (code ${exited.code}, signal ${exited.signal}) before ` +
        `answering; args ${node.args.join(" ")}; output:\n${node.output.slice(-4000)}`);
    try {
      const body = await rawRpc(node.url, "eth_chainId");
      if (body.result) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${TARGET} did not answer eth_chainId within ${timeoutMs} ms; output:\n` +
    node.output.slice(-4000));
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = "tern-e2e-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs Foundry's cast (CAST_BIN, else the npm package's binary) with `--rpc-url url` after its
 * subcommand `args[0]`; resolves to trimmed stdout, rejects with cast's stderr in the message.
 */
export async function runCast(url, ...args) {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const cast = process.env.CAST_BIN || foundryBin("cast");
  try {
    const { stdout } = await promisify(execFile)(cast, [args[0], "--rpc-url", url, ...args.slice(1)], { timeout: 30_000 });
    return stdout.trim();
  } catch (e) {
    e.message = `cast ${args.join(" ")} failed: ${e.stderr || e.message}`;
    throw e;
  }
}
