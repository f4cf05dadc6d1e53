/**
 * Stop requests reaching a dynamic provider: SIGINT / SIGTERM to the provider process, and the engine's Cancel
 * (the first Ctrl+C on `pulumi up`), which `cancel-hook.ts` turns into the {@link CANCEL_EVENT} process event.
 * A long-running provider operation (a campaign) listens here and stops cleanly instead of being cut off.
 */

/** Process event emitted when the engine asks the providers to cancel. */
export const CANCEL_EVENT = "peva-lab:cancel";

/** Calls `onStop` on any stop request until the returned function is called. */
export function onStopRequest(onStop: (why: string) => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => onStop(`received ${signal}`);
  const onCancel = () => onStop("pulumi is cancelling (Ctrl+C)");
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on(CANCEL_EVENT, onCancel);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off(CANCEL_EVENT, onCancel);
  };
}
