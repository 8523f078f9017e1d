import type { Template } from './template.ts';

/**
 * Templates by (workspace, WABA, name), every language at once, kept in memory for the send hot
 * path. Entries live `ttlMs` (another process's sync or status change is seen within that) and are
 * dropped at once in this process by syncTemplates and applyTemplateStatus. A name that does not
 * exist is cached too (as an empty list), so a caller retrying a wrong name costs no query.
 */
export class TemplateCache {
  private entries = new Map<string, { templates: Template[]; expiresAt: number }>();
  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 20_000,
  ) {}

  static key(workspaceId: string, wabaId: string, name: string): string {
    return `${workspaceId}\u0000${wabaId}\u0000${name}`;
  }

  get(key: string, nowMs: number): Template[] | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.templates;
  }

  set(key: string, templates: Template[], nowMs: number, ttlMs = this.ttlMs): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { templates, expiresAt: nowMs + ttlMs });
  }

  /** Drops every entry of a WABA (after a sync or a status change). */
  invalidateWaba(wabaId: string): void {
    for (const k of this.entries.keys()) if (k.split('\u0000')[1] === wabaId) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** This process's cache (sync, status changes and lookups share it). */
export const templateCache = new TemplateCache();
