/** The templates module's services. */
export type { Template, TemplateButtonDef, TemplateComponentDef } from './template.ts';
export { findTemplate, listTemplates, type TemplateLookup } from './find-template.ts';
export { syncTemplates, storeSyncedTemplates, type SyncResult } from './sync-templates.ts';
export { applyTemplateStatus, type TemplateStatusChange } from './apply-template-status.ts';
export { templateCache } from './template-cache.ts';
export { TemplateRefresher } from './refresh-templates.ts';
export { createTemplateRefresher, syncNumberTemplatesNow, type TemplateSyncDeps } from './setup-template-sync.ts';
