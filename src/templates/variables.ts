/**
 * Template variables: `{{1}}`, `{{2}}` (positional) or `{{first_name}}` (named). One regular
 * expression for the whole product, so validation, the preview and the send path agree on what a
 * variable is.
 */
export const VARIABLE_RE = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The distinct variables of a text, in order of first appearance ('1', '2' or names). */
export function variablesOf(text: string | undefined | null): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const m of text.matchAll(VARIABLE_RE)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Every occurrence, repeats included (for the "too many variables for the text" rule). */
export function variableOccurrences(text: string | undefined | null): string[] {
  if (!text) return [];
  return [...text.matchAll(VARIABLE_RE)].map((m) => m[1]!);
}

/** Replaces each variable with its value; a variable without a value is left as written. */
export function substituteVariables(text: string, values: Map<string, string>): string {
  return text.replace(VARIABLE_RE, (m, v: string) => values.get(v) ?? m);
}
