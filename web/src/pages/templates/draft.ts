import type { TemplateButton, TemplateComponent, TemplateProblem } from './types.ts';
import { variablesIn } from './types.ts';

/** The create form's state; `toDefinition` turns it into Meta's template definition. */
export interface ButtonDraft {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE';
  text: string;
  url: string;
  phone: string;
  example: string;
}

export type HeaderType = 'NONE' | 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT';
export const MEDIA_HEADERS = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;
export const isMediaHeader = (t: HeaderType): t is 'IMAGE' | 'VIDEO' | 'DOCUMENT' => (MEDIA_HEADERS as readonly string[]).includes(t);

export interface HeaderMedia {
  fileHandle: string;
  fileUrl: string;
  fileName: string;
  mimeType: string;
  headerFormat: string;
}

export interface TemplateDraft {
  name: string;
  language: string;
  category: string;
  headerType: HeaderType;
  header: string;
  /** An image/video/document header's uploaded sample (POST /api/v1/templates/media). */
  headerMedia: HeaderMedia | null;
  body: string;
  footer: string;
  buttons: ButtonDraft[];
  /** Example values per variable name ("1", "2", or "first_name"), for the header and the body. */
  headerExamples: Record<string, string>;
  bodyExamples: Record<string, string>;
}

export const emptyDraft = (): TemplateDraft => ({
  name: '',
  language: 'en',
  category: 'UTILITY',
  headerType: 'NONE',
  header: '',
  headerMedia: null,
  body: '',
  footer: '',
  buttons: [],
  headerExamples: {},
  bodyExamples: {},
});

/** Which part of the form a component index stands for (problems name `components[i]…`). */
export type Section = 'header' | 'body' | 'footer' | 'buttons';

export function toDefinition(d: TemplateDraft): { definition: Record<string, unknown>; sections: Section[] } {
  const headerVars = d.headerType === 'TEXT' ? variablesIn(d.header) : [];
  const bodyVars = variablesIn(d.body);
  const named = [...headerVars, ...bodyVars].some((v) => !/^[0-9]+$/.test(v));
  const components: TemplateComponent[] = [];
  const sections: Section[] = [];
  if (d.headerType === 'TEXT') {
    const c: TemplateComponent = { type: 'HEADER', format: 'TEXT', text: d.header };
    if (headerVars.length)
      c.example = named
        ? { header_text_named_params: headerVars.map((v) => ({ param_name: v, example: d.headerExamples[v] ?? '' })) }
        : { header_text: headerVars.map((v) => d.headerExamples[v] ?? '') };
    components.push(c);
    sections.push('header');
  } else if (isMediaHeader(d.headerType)) {
    // Meta reviews a media header with a sample: the handle of the uploaded file.
    components.push({ type: 'HEADER', format: d.headerType, ...(d.headerMedia ? { example: { header_handle: [d.headerMedia.fileHandle] } } : {}) });
    sections.push('header');
  }
  const body: TemplateComponent = { type: 'BODY', text: d.body };
  if (bodyVars.length)
    body.example = named
      ? { body_text_named_params: bodyVars.map((v) => ({ param_name: v, example: d.bodyExamples[v] ?? '' })) }
      : { body_text: [bodyVars.map((v) => d.bodyExamples[v] ?? '')] };
  components.push(body);
  sections.push('body');
  if (d.footer) {
    components.push({ type: 'FOOTER', text: d.footer });
    sections.push('footer');
  }
  if (d.buttons.length) {
    components.push({
      type: 'BUTTONS',
      buttons: d.buttons.map((b): TemplateButton => {
        if (b.type === 'URL') return variablesIn(b.url).length ? { type: 'URL', text: b.text, url: b.url, example: [b.example] } : { type: 'URL', text: b.text, url: b.url };
        if (b.type === 'PHONE_NUMBER') return { type: 'PHONE_NUMBER', text: b.text, phone_number: b.phone };
        if (b.type === 'COPY_CODE') return { type: 'COPY_CODE', example: b.example };
        return { type: 'QUICK_REPLY', text: b.text };
      }),
    });
    sections.push('buttons');
  }
  const definition: Record<string, unknown> = { name: d.name, language: d.language, category: d.category, components };
  if (named) definition.parameter_format = 'named';
  return { definition, sections };
}

/** Where a problem belongs in the form: a field key such as `name`, `body`, `button.1`, or `general`. */
export function problemSlot(field: string, sections: Section[]): string {
  if (field === 'name' || field === 'language' || field === 'category') return field;
  const m = /^components\[(\d+)\](.*)$/.exec(field);
  if (!m) return 'general';
  const section = sections[Number(m[1])];
  if (!section) return 'general';
  if (section === 'buttons') {
    const b = /^\.buttons\[(\d+)\]/.exec(m[2]!);
    return b ? `button.${b[1]}` : 'buttons';
  }
  if (/\.example/.test(m[2]!)) return `${section}.examples`;
  return section;
}

export function groupProblems(problems: TemplateProblem[], sections: Section[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const p of problems) {
    const slot = problemSlot(p.field, sections);
    const text = slot === 'general' ? `${p.field}: ${p.message}` : p.message;
    map.set(slot, [...(map.get(slot) ?? []), text]);
  }
  return map;
}
