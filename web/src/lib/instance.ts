/** What `GET /api/v1/instance` answers (unauthenticated): enough for the placeholder page. */
export interface InstanceInfo {
  name: string;
  version: string;
  workspace: { name: string } | null;
  sandbox: boolean;
  docsUrl: string;
}

export class InstanceError extends Error {}

function isInstanceInfo(value: unknown): value is InstanceInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const ws = v.workspace;
  return (
    typeof v.name === 'string' &&
    typeof v.version === 'string' &&
    typeof v.sandbox === 'boolean' &&
    typeof v.docsUrl === 'string' &&
    (ws === null || (typeof ws === 'object' && typeof (ws as Record<string, unknown>).name === 'string'))
  );
}

export async function fetchInstance(signal?: AbortSignal): Promise<InstanceInfo> {
  let response: Response;
  try {
    response = await fetch('/api/v1/instance', { headers: { accept: 'application/json' }, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new InstanceError('The Samvad server could not be reached.');
  }
  if (!response.ok) {
    throw new InstanceError(`The Samvad server answered ${response.status} ${response.statusText}`.trim() + '.');
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new InstanceError('The Samvad server answered with something that is not JSON.');
  }
  if (!isInstanceInfo(body)) throw new InstanceError('The Samvad server answered in an unexpected shape.');
  return body;
}
