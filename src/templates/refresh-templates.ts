/**
 * Lazy template sync: when a send names a template this process does not know, the WABA's
 * templates are synced once and the lookup retried — so a template created in Meta's Business
 * Manager works without pressing "Sync". At most one sync per WABA per `minIntervalMs`, and
 * concurrent misses share the one in flight, so a caller looping over a wrong name cannot turn
 * into a stream of Graph calls.
 */
export class TemplateRefresher {
  private last = new Map<string, number>();
  private inFlight = new Map<string, Promise<boolean>>();
  constructor(
    private readonly sync: (workspaceId: string, numberId: string) => Promise<void>,
    private readonly nowMs: () => number,
    private readonly minIntervalMs = 60_000,
  ) {}

  /** Syncs the number's WABA unless it was synced recently; true when a sync ran (retry the lookup). */
  refresh(workspaceId: string, numberId: string, wabaId: string): Promise<boolean> {
    const running = this.inFlight.get(wabaId);
    if (running) return running;
    const now = this.nowMs();
    if (now - (this.last.get(wabaId) ?? -Infinity) < this.minIntervalMs) return Promise.resolve(false);
    this.last.set(wabaId, now);
    const p = this.sync(workspaceId, numberId)
      .then(() => true)
      .catch(() => false)
      .finally(() => this.inFlight.delete(wabaId));
    this.inFlight.set(wabaId, p);
    return p;
  }

  /** Syncs now regardless of the last sync (start-up, the API's sync button); waits for it. */
  async syncNow(workspaceId: string, numberId: string, wabaId: string): Promise<boolean> {
    await this.inFlight.get(wabaId);
    this.last.delete(wabaId);
    return this.refresh(workspaceId, numberId, wabaId);
  }

  /** Marks a WABA as just synced (after a sync at start or from the API). */
  synced(wabaId: string): void {
    this.last.set(wabaId, this.nowMs());
  }
}
