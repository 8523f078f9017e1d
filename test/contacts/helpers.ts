import type { TestApp } from '../helpers/start-test-app.ts';

/** Calls the app in-process (Fastify inject) with the default workspace's key. */
export function caller(app: TestApp) {
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.http!.inject({ method, url, headers: { authorization: app.auth, ...headers }, ...(payload !== undefined ? { payload: payload as never } : {}) });
    return { status: res.statusCode, body: res.body ? (safeJson(res.body) as any) : undefined, raw: res.body, headers: res.headers };
  };
  return {
    call,
    trackUser: (body: unknown) => call('POST', '/v1/public/track/users/', body),
    trackEvent: (body: unknown) => call('POST', '/v1/public/track/events/', body),
    getUsers: (body: unknown, query = '') => call('POST', `/v1/public/apis/users/${query}`, body),
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
