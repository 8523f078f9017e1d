import type { Dispatcher } from 'undici';
import type { NumberCredentials } from '../types.ts';
import { TRANSPORT_ERROR_CODE } from './classify.ts';
import { graphCall, graphUrl, MetaApiError } from './graph-call.ts';

/**
 * Template management calls of the Cloud API (cloud-api-limits.md §5.1), added by the templates
 * work: create, edit and delete in the number's WABA, and the Resumable Upload API that gives a
 * media header's sample its handle. Every failure throws MetaApiError with Meta's code, subcode
 * and message (the caller shows them); tokens go only in the Authorization header.
 */


async function call(
  dispatcher: Dispatcher,
  method: 'GET' | 'POST' | 'DELETE',
  url: URL,
  auth: string,
  body?: { json: unknown } | { bytes: Buffer; headers: Record<string, string> },
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
  let payload: Buffer | string | undefined;
  if (body && 'json' in body) {
    payload = JSON.stringify(body.json);
    headers['content-type'] = 'application/json';
  } else if (body) {
    payload = body.bytes;
    Object.assign(headers, body.headers);
  }
  return (await graphCall(dispatcher, { origin: url.origin, path: url.pathname + url.search, method, headers, ...(payload !== undefined ? { body: payload } : {}) })).json;
}

/** Meta's create body: `{name, language, category, components, parameter_format?, message_send_ttl_seconds?, sub_category?}`. */
export interface ProviderTemplateCreate {
  name: string;
  language: string;
  category: string;
  components: unknown[];
  parameter_format?: 'positional' | 'named';
  message_send_ttl_seconds?: number;
  sub_category?: string;
}

/** POST /{waba-id}/message_templates → `{id, status, category}` (Meta may answer APPROVED at once, or recategorise). */
export async function createProviderTemplate(dispatcher: Dispatcher, number: NumberCredentials, body: ProviderTemplateCreate): Promise<{ id: string; status: string; category: string | null }> {
  const json = (await call(dispatcher, 'POST', graphUrl(number, `${encodeURIComponent(number.wabaId)}/message_templates`), `Bearer ${number.accessToken}`, { json: body })) as Record<string, unknown> | null;
  const id = json?.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'Template create answer without an id' });
  return { id: String(id), status: typeof json?.status === 'string' ? json.status.toUpperCase() : 'PENDING', category: typeof json?.category === 'string' ? json.category.toUpperCase() : null };
}

/** POST /{template-id} with `{category?, components?, message_send_ttl_seconds?}` → `{success: true}`. */
export async function editProviderTemplate(
  dispatcher: Dispatcher,
  number: NumberCredentials,
  templateId: string,
  body: { category?: string; components?: unknown[]; message_send_ttl_seconds?: number; parameter_format?: string },
): Promise<void> {
  await call(dispatcher, 'POST', graphUrl(number, encodeURIComponent(templateId)), `Bearer ${number.accessToken}`, { json: body });
}

/**
 * DELETE /{waba-id}/message_templates?hsm_id=…&name=… deletes that one template (one language);
 * without the id Meta deletes every language of the name.
 */
export async function deleteProviderTemplate(dispatcher: Dispatcher, number: NumberCredentials, name: string, templateId: string | null): Promise<void> {
  const url = graphUrl(number, `${encodeURIComponent(number.wabaId)}/message_templates`);
  url.searchParams.set('name', name);
  if (templateId) url.searchParams.set('hsm_id', templateId);
  await call(dispatcher, 'DELETE', url, `Bearer ${number.accessToken}`);
}

/**
 * Meta's Resumable Upload API (graph-api/guides/upload): start a session on the app
 * (`POST /{app-id}/uploads?file_name&file_length&file_type`), then send the bytes to the session
 * (`POST /upload:…` with `Authorization: OAuth <token>` and `file_offset: 0`). The answer's `h` is
 * the handle a media header's `example.header_handle` needs (not a media id).
 */
export async function uploadTemplateHeaderSample(
  dispatcher: Dispatcher,
  number: NumberCredentials,
  appId: string,
  file: { bytes: Buffer; mimeType: string; fileName: string },
): Promise<string> {
  const start = graphUrl(number, `${encodeURIComponent(appId)}/uploads`);
  start.searchParams.set('file_name', file.fileName);
  start.searchParams.set('file_length', String(file.bytes.length));
  start.searchParams.set('file_type', file.mimeType);
  const session = (await call(dispatcher, 'POST', start, `Bearer ${number.accessToken}`)) as { id?: unknown } | null;
  if (typeof session?.id !== 'string') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'Upload session answer without an id' });
  const put = graphUrl(number, session.id);
  const done = (await call(dispatcher, 'POST', put, `OAuth ${number.accessToken}`, {
    bytes: file.bytes,
    headers: { file_offset: '0', 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) },
  })) as { h?: unknown } | null;
  if (typeof done?.h !== 'string') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'Upload answer without a file handle' });
  return done.h;
}

/**
 * The Meta app id of the number's access token (`GET /app`), which the Resumable Upload API needs
 * (`/{app-id}/uploads`). Not confirmed against live Graph for system-user tokens; the emulator
 * does not implement the upload API (its README), so sandbox numbers never call this.
 */
export async function appIdOfToken(dispatcher: Dispatcher, number: NumberCredentials): Promise<string> {
  const url = graphUrl(number, 'app');
  url.searchParams.set('fields', 'id');
  const json = (await call(dispatcher, 'GET', url, `Bearer ${number.accessToken}`)) as { id?: unknown } | null;
  if (typeof json?.id !== 'string' && typeof json?.id !== 'number') throw new MetaApiError({ code: TRANSPORT_ERROR_CODE, title: 'GET /app answered without an id' });
  return String(json.id);
}
