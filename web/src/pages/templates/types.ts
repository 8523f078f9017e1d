/** The template object of GET /api/v1/templates (src/templates/routes.ts TemplateSchema). */
export interface TemplateButton {
  type: string;
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string | string[];
  [key: string]: unknown;
}

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: TemplateButton[];
  example?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Template {
  id: string;
  providerTemplateId: string | null;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameterFormat: 'positional' | 'named';
  components: TemplateComponent[];
  qualityScore: string | null;
  rejectedReason: string | null;
  rejectionInfo: { reason?: string; recommendation?: string } | null;
  statusDetail: Record<string, unknown> | null;
  statusChangedAt: string | null;
  source: string;
  sendable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateProblem {
  field: string;
  message: string;
}

export function statusTone(status: string): 'green' | 'amber' | 'red' | 'neutral' {
  if (status === 'APPROVED') return 'green';
  if (status === 'PENDING' || status === 'IN_APPEAL' || status === 'PAUSED') return 'amber';
  if (status === 'REJECTED' || status === 'DISABLED') return 'red';
  return 'neutral';
}

export function qualityTone(q: string | null): 'green' | 'amber' | 'red' | 'neutral' {
  if (q === 'GREEN') return 'green';
  if (q === 'YELLOW') return 'amber';
  if (q === 'RED') return 'red';
  return 'neutral';
}

/** Variables in order of appearance: positional {{1}} or named {{first_name}}. */
export function variablesIn(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}
