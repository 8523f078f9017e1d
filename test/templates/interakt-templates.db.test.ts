import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/start-test-app.ts';

function multipart(field: string, fileName: string, type: string, bytes: Buffer, fields: Record<string, string> = {}) {
  const boundary = '----samvadtest7f3a';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`), bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A tiny but real PNG (1×1). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/**
 * Interakt's template surface (interakt-api.md §6): the list's filters and exact shape, create
 * with Interakt's body (language by English name, title-case category, examples in
 * header_text/body_text), the upload_to_fb header-media upload feeding a media-header create, and
 * the native API's validate and media routes.
 */
describe('Interakt template routes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.destroy();
  });
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.http!.inject({ method, url, headers: { authorization: app.auth, ...headers }, ...(payload !== undefined ? { payload: payload as string } : {}) });

  it('lists hello_world in Interakt shape', async () => {
    const res = await inject('GET', '/v1/public/track/organization/templates?offset=0&autosubmitted_for=all&approval_status=APPROVED&language=all');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['count', 'has_next', 'results']);
    expect(body).toMatchObject({ count: 1, has_next: false });
    const t = body.results.templates[0];
    expect(t).toMatchObject({
      name: 'hello_world',
      language: 'en_US',
      category: 'UTILITY',
      approval_status: 'APPROVED',
      variable_present: 'No',
      header_format: 'TEXT',
      header: 'Hello World',
      footer: 'WhatsApp Business Platform sample message',
      buttons: null,
      channel_type: 'Whatsapp',
      is_deleted: false,
      is_carousel: false,
      display_name: 'hello_world',
    });
    expect(t.body).toMatch(/^Welcome and congratulations!!/);
    expect(t.wa_template_id).toMatch(/^\d+$/);
    expect(t.created_at_utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('creates with Interakt body, lists it as WAITING with filters, and refuses a bad one listing every problem', async () => {
    const created = await inject('POST', '/v1/public/track/templates/', {
      display_name: 'Welcome Offer',
      language: 'English',
      category: 'Marketing',
      header_format: 'TEXT',
      header: 'Welcome {{1}}',
      header_text: ['User'],
      body: 'Hi {{1}}, get 10% off on your first order.',
      body_text: ['User'],
      footer: 'Team Interakt',
      button_type: 'Quick Replies',
      buttons: JSON.stringify([{ type: 'Quick Reply', text: 'Shop now' }]),
    });
    expect(created.statusCode).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({ result: true, message: 'Template created successfully' });
    expect(c.data).toMatchObject({ name: 'welcome_offer', display_name: 'Welcome Offer', language: 'en', category: 'MARKETING', approval_status: 'WAITING', header: 'Welcome {{1}}', header_text: '["User"]', body_text: '["User"]', variable_present: 'Yes' });
    expect(c.data.buttons).toBe('[{"type": "QUICK_REPLY", "text": "Shop now"}]');

    const waiting = (await inject('GET', '/v1/public/track/organization/templates?approval_status=WAITING')).json();
    expect(waiting.results.templates.map((t: { name: string }) => t.name)).toEqual(['welcome_offer']);
    expect((await inject('GET', '/v1/public/track/organization/templates?variable_present=No')).json().results.templates.map((t: { name: string }) => t.name)).toEqual(['hello_world']);
    expect((await inject('GET', '/v1/public/track/organization/templates?template_name=welcome')).json().count).toBe(1);
    expect((await inject('GET', '/v1/public/track/organization/templates?language=Hindi')).json().count).toBe(0);
    const page = (await inject('GET', '/v1/public/track/organization/templates?offset=0&limit=1')).json();
    expect(page).toMatchObject({ count: 2, has_next: true });
    expect(page.results.templates).toHaveLength(1);

    const bad = await inject('POST', '/v1/public/track/templates/', { display_name: 'Bad One!', language: 'Elvish', category: 'Promo', body: 'Hi {{1}} and {{3}} ok', footer: 'x'.repeat(61) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      result: false,
      message:
        'Template is invalid (6 problems): language "Elvish" is not a language Meta supports for templates (give an English name such as "English" or a code such as "en"); display_name may contain only lowercase letters, digits and underscores; category must be MARKETING, UTILITY or AUTHENTICATION, got "Promo"; body variables must be numbered in sequence from {{1}} with no gaps, got {{1}}, {{3}}; body_text is required: one example value per variable, as [["value 1", "value 2"]]; footer must be at most 60 characters, got 61',
    });
  });

  it('upload_to_fb gives a handle and file_url; a media-header template is created with it', async () => {
    const form = multipart('uploadFile', 'banner.png', 'image/png', PNG);
    const up = await inject('POST', '/v1/public/track/files/upload_to_fb/?fileCategory=message_template_media', form.payload, form.headers);
    expect(up.statusCode).toBe(200);
    const u = up.json();
    expect(u).toMatchObject({ result: true, message: 'File uploaded successfully', data: { file_name: 'banner.png' } });
    expect(u.data.file_handle).toMatch(/^4::/);
    // The file_url (signed, on SAMVAD_PUBLIC_URL; this test app listens on a random port) serves the stored bytes.
    const link = new URL(u.data.file_url);
    const file = await fetch(`${app.url}${link.pathname}${link.search}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);

    const created = await inject('POST', '/v1/public/track/templates/', {
      display_name: 'new_arrivals',
      language: 'en',
      category: 'Marketing',
      header_format: 'IMAGE',
      header_handle: [u.data.file_handle],
      header_handle_file_url: u.data.file_url,
      header_handle_file_name: u.data.file_name,
      body: 'New arrivals are in store this week.',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().data).toMatchObject({ header_format: 'IMAGE', header_handle: u.data.file_handle, header_handle_file_url: u.data.file_url, header_handle_file_name: 'banner.png', approval_status: 'WAITING' });

    const wrongCategory = await inject('POST', '/v1/public/track/files/upload_to_fb/?fileCategory=other', form.payload, form.headers);
    expect(wrongCategory.json()).toEqual({ result: false, message: 'fileCategory must be message_template_media' });
    const text = multipart('uploadFile', 'notes.txt', 'text/plain', Buffer.from('hello'));
    const refused = await inject('POST', '/v1/public/track/files/upload_to_fb/?fileCategory=message_template_media', text.payload, text.headers);
    expect(refused.statusCode).toBe(415);
    expect(refused.json()).toEqual({ result: false, message: 'Template header samples must be JPEG or PNG images, MP4 videos or PDF documents; got text/plain' });
    const noFile = multipart('other', 'banner.png', 'image/png', PNG);
    expect((await inject('POST', '/v1/public/track/files/upload_to_fb/?fileCategory=message_template_media', noFile.payload, noFile.headers)).json()).toEqual({
      result: false,
      message: 'No file in the "uploadFile" field of the multipart body',
    });
  });

  it('native: validate lists problems without submitting; media upload answers the handle', async () => {
    const v = await inject('POST', '/api/v1/templates/validate', { name: 'ok_name', language: 'xx', category: 'UTILITY', components: [{ type: 'BODY', text: 'Fine text' }] });
    expect(v.json()).toEqual({ valid: false, problems: [{ field: 'language', message: '"xx" is not a language code Meta supports for templates (e.g. en, en_US, hi)' }] });
    const ok = await inject('POST', '/api/v1/templates/validate', { name: 'ok_name', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: 'Fine text' }] });
    expect(ok.json()).toEqual({ valid: true, problems: [] });

    const form = multipart('file', 'doc.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n'));
    const up = await inject('POST', '/api/v1/templates/media', form.payload, form.headers);
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({ fileName: 'doc.pdf', mimeType: 'application/pdf', headerFormat: 'DOCUMENT', sizeBytes: 15 });
    // Bad values for a preview are listed (native error body with details).
    const list = (await inject('GET', '/api/v1/templates?name=hello_world')).json();
    const preview = await inject('POST', `/api/v1/templates/${list.data[0].id}/preview`, { bodyValues: ['x'] });
    expect(preview.statusCode).toBe(400);
    expect(preview.json().error.details).toEqual([{ field: 'bodyValues', message: 'takes no values: the template has no variable there' }]);
    const fine = await inject('POST', `/api/v1/templates/${list.data[0].id}/preview`, {});
    expect(fine.json().text).toMatch(/^Hello World\nWelcome and congratulations!!.*\nWhatsApp Business Platform sample message$/s);
  });
});
