/**
 * Links printed to the console or log (no mail server yet) and shown to the admin who invited.
 * They open dashboard pages, which call the matching /api/v1/auth routes with the token.
 */
export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/setup?token=${encodeURIComponent(token)}`;
}

export function invitationLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/invite?token=${encodeURIComponent(token)}`;
}

export function passwordResetLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
}
