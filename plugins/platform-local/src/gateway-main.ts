#!/usr/bin/env node
/**
 * `peva-local-gateway`: runs the local OpenFaaS-compatible gateway until SIGTERM/SIGINT. Once serving it writes
 * the ready file atomically (temp + rename), so a supervisor polling for it never reads half a JSON document.
 */
import { rmSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { Logger } from "@peva-lab/core";
import { parseCli, USAGE, type ReadyInfo } from "./cli.ts";
import { startGateway, type Gateway } from "./gateway.ts";

/** How long a graceful stop may take before the process exits anyway (the contract promises exit within 5 s). */
const STOP_DEADLINE_MS = 4_000;

const logger: Logger = {
  log(level, event, fields = {}) {
    if (level === "debug") return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  },
};

async function main(): Promise<void> {
  let command;
  try {
    command = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`peva-local-gateway: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (command.help) {
    process.stdout.write(USAGE);
    return;
  }

  const readyFile = command.readyFile;
  // Filled in once started; a signal may arrive before that.
  const running: { gateway?: Gateway } = {};
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "gateway.stopping", { signal });
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    if (readyFile) rmSync(readyFile, { force: true });
    // Stopped while starting: exiting closes the IPC channels, and the workers forked so far exit with them.
    if (!running.gateway) process.exit(0);
    running.gateway.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.log("error", "gateway.stop_failed", { error: e instanceof Error ? e.message : String(e) });
        process.exit(0);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  const gateway = await startGateway(command.options, logger);
  running.gateway = gateway;
  if (stopping) return;

  if (readyFile) {
    const info: ReadyInfo = { pid: process.pid, port: gateway.port, url: gateway.url };
    const tmp = `${readyFile}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(info)}\n`);
    await rename(tmp, readyFile);
  }
}

main().catch((e: unknown) => {
  // Workers exit on their own when this process does (their IPC channel closes).
  logger.log("error", "gateway.failed", { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
