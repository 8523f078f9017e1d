/**
 * Plans and their /v1/public limits, as Interakt documents them (reference interakt-api.md §3):
 * Starter has no public API, Growth 300 and Advanced 600 requests a minute, Enterprise a
 * negotiated figure. `self_hosted` is the default here: the operator sets its limit
 * (SAMVAD_DEFAULT_RATE_LIMIT, 6,000/minute unless changed).
 */
export const PLANS = ['starter', 'growth', 'advanced', 'enterprise', 'self_hosted'] as const;
export type Plan = (typeof PLANS)[number];

export const ENTERPRISE_DEFAULT_PER_MINUTE = 6000;

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

export interface PlanLimits {
  publicApi: boolean;
  requestsPerMinute: number;
}

export function planLimits(
  workspace: { plan: string; rate_limit_per_minute: number | null },
  selfHostedPerMinute: number,
): PlanLimits {
  switch (workspace.plan as Plan) {
    case 'starter':
      return { publicApi: false, requestsPerMinute: 0 };
    case 'growth':
      return { publicApi: true, requestsPerMinute: 300 };
    case 'advanced':
      return { publicApi: true, requestsPerMinute: 600 };
    case 'enterprise':
      return { publicApi: true, requestsPerMinute: workspace.rate_limit_per_minute ?? ENTERPRISE_DEFAULT_PER_MINUTE };
    case 'self_hosted':
    default:
      return { publicApi: true, requestsPerMinute: selfHostedPerMinute };
  }
}

export const ROLES = ['owner', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `role` may do what `needed` may (owner > admin > agent). */
export function roleAtLeast(role: string, needed: Role): boolean {
  const rank = (r: string) => (r === 'owner' ? 3 : r === 'admin' ? 2 : r === 'agent' ? 1 : 0);
  return rank(role) >= rank(needed);
}
