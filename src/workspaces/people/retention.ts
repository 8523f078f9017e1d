import type { RetentionKind } from '../../platform/retention/index.ts';

/**
 * Ended sessions, used or expired reset links and old invitations are kept a while for support
 * questions ("when did I sign in?"), then pruned. Sessions are pruned by their absolute end.
 */
export const peopleRetention: RetentionKind[] = [
  { name: 'people.sessions', table: 'sessions', timeColumn: 'expires_at', days: 1 },
  { name: 'people.password_resets', table: 'password_resets', timeColumn: 'expires_at', days: 7 },
  { name: 'people.invitations', table: 'invitations', timeColumn: 'expires_at', days: 30 },
];
