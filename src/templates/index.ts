/** The templates module's services. */
export type { Template, TemplateButtonDef, TemplateComponentDef } from './template.ts';
export { findTemplate, getTemplate, hasVariables, listTemplates, queryTemplates, type TemplateLookup, type TemplateQuery } from './find-template.ts';
export { syncTemplates, storeSyncedTemplates, type SyncResult } from './sync-templates.ts';
export { syncNumberTemplates } from './sync-number-templates.ts';
export { applyTemplateStatus, applyTemplateStatusChange, type AppliedTemplateStatus, type TemplateStatusChange } from './apply-template-status.ts';
export { templateCache } from './template-cache.ts';
export { TemplateRefresher } from './refresh-templates.ts';
export { createTemplateRefresher, syncNumberTemplatesNow, type TemplateSyncDeps } from './setup-template-sync.ts';
export { resolveTemplateNumber, type TemplateDeps } from './deps.ts';
export { createTemplate, type CreateTemplateInput } from './create-template.ts';
export { editTemplate, type EditTemplateInput } from './edit-template.ts';
export { deleteTemplate } from './delete-template.ts';
export { uploadTemplateMedia, MAX_TEMPLATE_MEDIA_BYTES, type TemplateMediaUpload } from './upload-template-media.ts';
export { listTemplateEvents, type TemplateEvent } from './template-events.ts';
export {
  assertValidTemplate,
  templateProblemsError,
  validateTemplateDefinition,
  TEMPLATE_CATEGORIES,
  type TemplateDefinition,
  type TemplateDefinitionInput,
  type TemplateProblem,
} from './validate-template.ts';
export { checkTemplateValues, renderTemplatePreview, templateSlots, type TemplatePreview, type TemplateSlot, type TemplateValuesInput } from './render-preview.ts';
export { variablesOf, substituteVariables } from './variables.ts';
export { isSupportedLanguage, languageName, resolveLanguage, TEMPLATE_LANGUAGE_CODES } from './languages.ts';
export { setTrackedLinks, trackedButtonLinks, trackedButtonUrl, isTrackedButtonUrl, TRACKED_URL_SUFFIX } from './tracked-links.ts';
