import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

describe('operations endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('answers /healthz and /readyz once the database is migrated', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics with request counts and latencies by route and status', async () => {
    await fetch(`${app.url}/v1/public/ping/`, { headers: { authorization: app.auth } });
    await fetch(`${app.url}/v1/public/ping/`);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/samvad_http_requests_total\{method="GET",route="\/v1\/public\/ping\/",status_code="200"\} 1/);
    expect(text).toMatch(/samvad_http_requests_total\{method="GET",route="\/v1\/public\/ping\/",status_code="401"\} 1/);
    expect(text).toMatch(/samvad_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/v1\/public\/ping\/",status_code="200"\}/);
    expect(text).toMatch(/samvad_process_resident_memory_bytes/);
  });

  it("exposes dispatch and webhook delivery figures: outcomes, numbers owned, the queue and the backlog", async () => {
    const send = await fetch(`${app.url}/v1/public/message/`, {
      method: 'POST',
      headers: { authorization: app.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fullPhoneNumber: '919800000002', type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } }),
    });
    expect(send.status).toBe(201);
    const metrics = async () => (await fetch(`${app.url}/metrics`)).text();
    await expect.poll(metrics, { timeout: 20_000, interval: 200 }).toMatch(/samvad_dispatch_outcomes_total\{outcome="accepted"\} [1-9]/);
    const text = await metrics();
    expect(text).toMatch(/samvad_dispatch_outcomes_total\{outcome="throttled"\} 0/);
    expect(text).toMatch(/samvad_dispatch_numbers_owned 1/);
    expect(text).toMatch(/# TYPE samvad_dispatch_queue_depth gauge/);
    expect(text).toMatch(/samvad_webhook_backlog 0/);
    expect(text).toMatch(/samvad_webhook_deliveries_total\{outcome="attempts"\} 0/);
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const doc = (await (await fetch(`${app.url}/docs/json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/v1/public/ping/']?.post?.requestBody).toBeTruthy();
    expect(doc.paths['/api/v1/api-keys']).toBeTruthy();
    expect(doc.paths['/api/v1/admin/workspaces']).toBeTruthy();
    const html = await fetch(`${app.url}/docs`, { redirect: 'follow' });
    expect(html.status).toBe(200);
    expect(await html.text()).toMatch(/swagger/i);
  });

  it('keeps a well-formed incoming X-Request-Id and makes one otherwise', async () => {
    const kept = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc-123');
    const made = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the dashboard at /', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});
