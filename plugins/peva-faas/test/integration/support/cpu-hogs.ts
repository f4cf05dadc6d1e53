/**
 * Test support: noisy neighbours. Processes that spin on the CPU, each ending by itself after its time even when
 * the test dies without cleaning up; `stopHogs` kills what is left and waits for it.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Starts `n` processes spinning on the CPU for `seconds` at most. */
export function startHogs(n: number, seconds: number): ChildProcess[] {
  const code = `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`;
  return Array.from({ length: n }, () => spawn(process.execPath, ["-e", code], { stdio: "ignore" }));
}

/** SIGKILLs every hog still running and waits until each has exited. */
export async function stopHogs(hogs: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    hogs.map(async (h) => {
      if (h.exitCode !== null || h.signalCode !== null) return;
      const exited = new Promise<void>((r) => h.once("exit", () => r()));
      h.kill("SIGKILL");
      await exited;
    }),
  );
}
