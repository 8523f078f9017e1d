import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, startAppWithOwner, type Session } from '../../../test/people/helpers.ts';
import type { TestApp } from '../../../test/helpers/start-test-app.ts';

// The inbox routes the dashboard uses: start a conversation with a template, reply (free text only
// inside the 24-hour window), the list cards (search, one by id, label), and mark-read.

const BILAL = '919800000002';

describe('inbox dashboard routes', () => {
  let app: TestApp;
  let owner: Session;
  let agent: Session;
  let conversationId: string;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, who: Session, payload?: unknown) =>
    app.http!.inject({ method, url, headers: method === 'GET' ? who.read : who.write, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const card = async (query: string) => (await inject('GET', `/api/v1/inbox/conversation-cards?${query}`, owner)).json().data as { conversationId: string; unreadCount: number; windowOpenUntil: string | null; contact: { name: string | null; profileName: string | null }; labels: string[] }[];

  beforeAll(async () => {
    ({ app, owner } = await startAppWithOwner());
    agent = await addMember(app, owner, 'agent@example.com', 'agent', 'Asha Agent');
  }, 60_000);
  afterAll(async () => {
    await app?.destroy();
  });

  it('starts a conversation with an approved template, and refuses one that is not', async () => {
    const bad = await inject('POST', '/api/v1/inbox/conversations', agent, { phone: BILAL, template: { name: 'no_such_template', languageCode: 'en_US' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('no_such_template');

    const res = await inject('POST', '/api/v1/inbox/conversations', agent, { phone: BILAL, template: { name: 'hello_world', languageCode: 'en_US' } });
    expect(res.statusCode).toBe(201);
    conversationId = res.json().conversationId;
    const message = await inject('GET', `/api/v1/messages/${res.json().id}`, owner);
    expect(message.json()).toMatchObject({ type: 'template', source: 'agent', template: { name: 'hello_world' } });
  });

  it('refuses free text and media while the window is closed', async () => {
    for (const body of [{ type: 'text', text: 'hello?' }, { type: 'image', mediaUrl: 'https://example.com/a.png' }]) {
      const res = await inject('POST', `/api/v1/inbox/conversations/${conversationId}/messages`, agent, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual({ reason: 'window_closed' });
    }
  });

  it('sends free text once the customer has written, and marks the conversation read', async () => {
    const wrote = await app.http!.inject({ method: 'POST', url: `/emulator/users/${BILAL}/messages`, payload: { type: 'text', text: 'Hi, is my order on its way?' } });
    expect(wrote.statusCode).toBe(201);
    await expect.poll(async () => (await card(`id=${conversationId}`))[0]?.windowOpenUntil ?? null, { timeout: 10_000 }).not.toBeNull();
    expect((await card(`id=${conversationId}`))[0]!.unreadCount).toBe(1);

    const blank = await inject('POST', `/api/v1/inbox/conversations/${conversationId}/messages`, agent, { type: 'text', text: '   ' });
    expect(blank.statusCode).toBe(400);
    const res = await inject('POST', `/api/v1/inbox/conversations/${conversationId}/messages`, agent, { type: 'text', text: 'Yes, it ships today.' });
    expect(res.statusCode).toBe(201);
    expect((await inject('GET', `/api/v1/messages/${res.json().id}`, owner)).json()).toMatchObject({ type: 'text', source: 'agent', content: { text: { body: 'Yes, it ships today.' } } });

    expect((await inject('POST', `/api/v1/inbox/conversations/${conversationId}/read`, agent)).statusCode).toBe(204);
    expect((await card(`id=${conversationId}`))[0]!.unreadCount).toBe(0);
  });

  it('lists cards with contact and labels; searches by name and phone; filters by label', async () => {
    const [first] = await card('view=all&status=open');
    expect(first).toMatchObject({ conversationId, contact: { profileName: 'Bilal Khan' } });
    expect((await card('q=bilal')).map((c) => c.conversationId)).toEqual([conversationId]);
    expect((await card('q=98000000')).map((c) => c.conversationId)).toContain(conversationId);
    expect(await card('q=nobody-like-this')).toEqual([]);

    expect((await inject('POST', '/api/v1/labels', owner, { name: 'vip' })).statusCode).toBe(201);
    expect((await inject('PUT', `/api/v1/inbox/conversations/${conversationId}/labels`, agent, { labels: ['vip'] })).statusCode).toBe(200);
    expect((await card('label=vip')).map((c) => [c.conversationId, c.labels])).toEqual([[conversationId, ['vip']]]);
    expect((await card('q=bilal&label=vip')).length).toBe(1);
    // A newer match without the label: the label narrows the search before its limit, not after.
    const newer = await inject('POST', '/api/v1/inbox/conversations', agent, { phone: '919800000003', template: { name: 'hello_world', languageCode: 'en_US' } });
    expect(newer.statusCode).toBe(201);
    expect((await card('q=98000000&limit=1')).map((c) => c.conversationId)).toEqual([newer.json().conversationId]);
    expect((await card('q=98000000&label=vip&limit=1')).map((c) => c.conversationId)).toEqual([conversationId]);
    expect(await card('view=unassigned&label=nothing')).toEqual([]);
  });

  it('needs a signed-in user or key, and the CSRF token for cookie sessions', async () => {
    expect((await app.http!.inject({ method: 'GET', url: '/api/v1/inbox/conversation-cards' })).statusCode).toBe(401);
    const noCsrf = await app.http!.inject({ method: 'POST', url: `/api/v1/inbox/conversations/${conversationId}/messages`, headers: agent.read, payload: { type: 'text', text: 'x' } });
    expect(noCsrf.statusCode).toBe(403);
    expect((await inject('POST', '/api/v1/inbox/conversations/nope/messages', agent, { type: 'text', text: 'x' })).statusCode).toBe(404);
  });
});
