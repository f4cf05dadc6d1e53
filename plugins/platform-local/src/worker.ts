/**
 * One replica of one function: a process that loads the function's handler and runs one invocation at a time,
 * like a classic OpenFaaS watchdog. Started by the gateway with `fork(worker.ts, [name, iterations])`.
 *
 * It lives exactly as long as its IPC channel: when the gateway exits or is killed (even with SIGKILL) the channel
 * closes, `disconnect` fires and the worker exits, so no orphan replicas survive the gateway.
 */
import { loadHandler } from "./handlers.ts";
import { isFunctionName } from "./functions.ts";
import { isInvokeMessage, type ReadyMessage, type ResultMessage } from "./protocol.ts";

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function send(message: ReadyMessage | ResultMessage): void {
  // The channel may already be gone when the gateway died mid-request; nothing is left to answer then.
  if (process.connected && process.send) process.send(message);
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write("worker.ts must be started by the gateway with an IPC channel\n");
    process.exit(2);
  }
  process.on("disconnect", () => process.exit(0));
  // Ctrl-C in a terminal signals the whole process group; the gateway decides when replicas stop.
  process.on("SIGINT", () => {});

  const [name = "", iterationsArg = "1"] = process.argv.slice(2);
  if (!isFunctionName(name)) throw new Error(`unknown function '${name}'`);
  const iterations = Number(iterationsArg);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`invalid iterations '${iterationsArg}'`);
  const handler = await loadHandler(name);

  process.on("message", (message: unknown) => {
    if (!isInvokeMessage(message)) return;
    const start = process.hrtime.bigint();
    handler(message, iterations).then(
      (output) => send({ type: "result", id: message.id, ok: true, output, execSeconds: elapsed(start), cpuSeconds: cpuSeconds() }),
      (e: unknown) =>
        send({
          type: "result",
          id: message.id,
          ok: false,
          output: e instanceof Error ? e.message : String(e),
          execSeconds: elapsed(start),
          cpuSeconds: cpuSeconds(),
        }),
    );
  });
  send({ type: "ready", cpuSeconds: cpuSeconds() });
}

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
