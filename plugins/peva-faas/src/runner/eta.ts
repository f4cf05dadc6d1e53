/**
 * The campaign's remaining-time estimate, learned as it runs: seconds per iteration (load, cooldown and metrics) and
 * iterations per configuration, each a moving average of what the finished configurations took. The second one
 * matters once decisions come early (`decide_early`): a configuration settled by two iterations of three must not be
 * counted as three.
 */
export class CampaignEta {
  private secondsPerIteration: number;
  private iterationsPerConfig: number;

  /**
   * @param plannedSeconds the plan's estimate for the whole campaign, in seconds
   * @param plannedConfigs configurations in the plan
   * @param iterations the campaign's iterations per configuration (its `iterations` setting)
   */
  constructor(plannedSeconds: number, plannedConfigs: number, iterations: number) {
    this.iterationsPerConfig = iterations;
    this.secondsPerIteration = plannedSeconds / Math.max(1, plannedConfigs * iterations);
  }

  /** A configuration finished: it took `spentSeconds` of wall time and ran `ran` iterations (failed ones teach nothing). */
  observe(spentSeconds: number, ran: number): void {
    if (ran <= 0) return;
    this.secondsPerIteration = 0.5 * this.secondsPerIteration + 0.5 * (spentSeconds / ran);
    this.iterationsPerConfig = 0.5 * this.iterationsPerConfig + 0.5 * ran;
  }

  /** Seconds left for `remainingConfigs` configurations, rounded to whole seconds. */
  remainingSeconds(remainingConfigs: number): number {
    return Math.round(Math.max(0, remainingConfigs) * this.iterationsPerConfig * this.secondsPerIteration);
  }
}
