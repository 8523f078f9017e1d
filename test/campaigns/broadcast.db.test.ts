import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';
import { api, phones, waitFor } from './helpers.ts';

/**
 * Broadcasts through the real app: the sandbox number and its emulator, Meta's hello_world.
 */
describe('a broadcast to a list of phones', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });

  it('Interakt create-campaign answers 201 with the exact string', async () => {
    const res = await api(app, 'POST', '/v1/public/create-campaign/', { campaign_name: 'Harsh Test', campaign_type: 'PublicAPI', template_name: 'hello_world', language_code: 'en_US' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ result: true, message: 'Api Campaign Created created successfully', data: { name: 'Harsh Test', type: 'PublicAPI' } });
    const id = res.body.data.campaignId as string;
    // An API send carrying the campaign id is grouped under it.
    const sent = await api(app, 'POST', '/v1/public/message/', { fullPhoneNumber: '919800000001', campaignId: id, type: 'Template', template: { name: 'hello_world', languageCode: 'en_US' } });
    expect(sent.status).toBe(201);
    const view = await waitFor(() => api(app, 'GET', `/api/v1/campaigns/${id}`), (r) => r.body.progress.sent === 1);
    expect(view.body).toMatchObject({ type: 'PublicAPI', status: 'running', progress: { recipients: 1 } });

    const bad = await api(app, 'POST', '/v1/public/create-campaign/', { campaign_name: 'x', campaign_type: 'PublicAPI', template_name: 'no_such_template', language_code: 'en' });
    expect(bad.status).toBe(400);
    expect(bad.body.result).toBe(false);
    expect(bad.body.message).toMatch(/no_such_template/);
  });

  it('sends to every valid phone once, skips the invalid one with a reason, and completes when all are final', async () => {
    const list = [...phones(40), '919700000003' /* duplicate */, '12'];
    const res = await api(app, 'POST', '/api/v1/campaigns', { name: 'Launch', templateName: 'hello_world', languageCode: 'en_US', audience: { phones: list }, startAt: 'now' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const done = await waitFor(() => api(app, 'GET', `/api/v1/campaigns/${id}`), (r) => r.body.status === 'completed');
    const p = done.body.progress;
    expect(p.recipients).toBe(41);
    expect(p.skipped).toEqual({ total: 1, byReason: { invalid_phone: 1 } });
    expect(p.pending).toBe(0);
    expect(p.queued).toBe(0);
    expect(p.sent + p.failed.total + p.unknown).toBe(40);
    expect(p.failed.total).toBe(0);
    // The emulator's record: each phone got exactly one template.
    const db = app.context.database.db;
    const msgs = await db.selectFrom('messages').select(['recipient']).where('campaign_id', '=', id).execute();
    expect(new Set(msgs.map((m) => m.recipient)).size).toBe(40);
    expect(msgs).toHaveLength(40);
    for (const phone of phones(40)) {
      const templates = async () => ((await (await fetch(`${app.url}/emulator/users/${phone}/chat`)).json()) as { messages: { from: string; type: string }[] }).messages.filter((m) => m.from === 'business' && m.type === 'template');
      const got = await waitFor(templates, (t) => t.length > 0);
      if (got.length !== 1) console.log('CHAT', phone, JSON.stringify(got));
      expect(got).toHaveLength(1);
    }
    const recipients = await api(app, 'GET', `/api/v1/campaigns/${id}/recipients?state=skipped`);
    expect(recipients.body.data).toHaveLength(1);
    expect(recipients.body.data[0].skipReason).toMatch(/^invalid_phone/);
  });
});
