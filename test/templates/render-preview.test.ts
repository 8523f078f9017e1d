import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/platform/errors.ts';
import { checkTemplateValues, renderTemplatePreview, templateSlots, type TemplateComponentDef } from '../../src/templates/index.ts';

const orderShipped = {
  name: 'order_shipped',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}} shipped' },
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way and arrives {{3}}. Thanks, {{1}}!' },
    { type: 'FOOTER', text: 'Acme Stores' },
    { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+919000000001' }, { type: 'URL', text: 'Track', url: 'https://shop.example.com/track/{{1}}' }, { type: 'QUICK_REPLY', text: 'Thanks' }] },
  ] as TemplateComponentDef[],
};

describe('template preview and value checks (shared by the send API and campaigns)', () => {
  it('renders what the customer sees', () => {
    const p = renderTemplatePreview(orderShipped, { headerValues: ['#42'], bodyValues: ['Asha', '#42', 'Friday'], buttonValues: { '1': ['42'] } });
    expect(p.text).toBe('Order #42 shipped\nHi Asha, your order #42 is on its way and arrives Friday. Thanks, Asha!\nAcme Stores\n[Call us]\n[Track]\n[Thanks]');
    expect(p.buttons).toEqual([
      { type: 'PHONE_NUMBER', text: 'Call us', phoneNumber: '+919000000001' },
      { type: 'URL', text: 'Track', url: 'https://shop.example.com/track/42' },
      { type: 'QUICK_REPLY', text: 'Thanks', payload: 'Thanks' },
    ]);
    expect(p.header).toBe('Order #42 shipped');
    expect(p.headerMedia).toBeNull();
  });

  it('lists the slots a template takes values in', () => {
    expect(templateSlots(orderShipped).map((s) => [s.field, s.min, s.max])).toEqual([
      ['headerValues', 1, 1],
      ['bodyValues', 3, 3],
      ['buttonValues.1', 1, 1],
      ['buttonValues.2', 0, 1],
    ]);
  });

  it('reports every mismatch at once, in Interakt wording', () => {
    expect(checkTemplateValues(orderShipped, { bodyValues: ['Asha', ''], buttonValues: { '0': ['x'] } })).toEqual([
      { field: 'headerValues', message: "Missing variable values for template's header, expected number of values are 1" },
      { field: 'bodyValues', message: "Missing variable values for template's body, expected number of values are 3" },
      { field: 'buttonValues.1', message: "Missing variable values for template's button at index 1, expected number of values are 1" },
      { field: 'buttonValues.0', message: 'takes no values: the template has no variable there' },
    ]);
    expect(checkTemplateValues(orderShipped, { headerValues: ['#1'], bodyValues: ['a', '', 'c'], buttonValues: { '1': ['1'] } })).toEqual([{ field: 'bodyValues[1]', message: 'must be a non-empty string' }]);
    try {
      renderTemplatePreview(orderShipped, { headerValues: ['#1'], bodyValues: ['a'], buttonValues: { '1': ['1'] } });
      expect.unreachable();
    } catch (err) {
      expect((err as AppError).code).toBe('validation_failed');
      expect((err as AppError).message).toBe("Values do not fit template \"order_shipped\": bodyValues: Missing variable values for template's body, expected number of values are 3");
    }
  });

  it('media headers take a link; named templates take values in order of first appearance; carousels per card', () => {
    const promo = { name: 'promo', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Hello {{first_name}}, use {{code}} today, {{first_name}}.' }] as TemplateComponentDef[] };
    const p = renderTemplatePreview(promo, { headerValues: ['https://cdn.example.com/a.png'], bodyValues: ['Asha', 'SAVE10'] });
    expect(p.text).toBe('[Image]\nHello Asha, use SAVE10 today, Asha.');
    expect(p.headerMedia).toEqual({ format: 'IMAGE', link: 'https://cdn.example.com/a.png' });
    const carousel = {
      name: 'c',
      components: [
        { type: 'BODY', text: 'Pick one, {{1}}:' },
        { type: 'CAROUSEL', cards: [{ components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Card {{1}}' }] }, { components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'Other {{1}}' }] }] },
      ] as TemplateComponentDef[],
    };
    expect(checkTemplateValues(carousel, { bodyValues: ['Asha'], carouselCards: [{ headerValues: ['https://x.example/1.png'], bodyValues: ['one'] }] })).toEqual([
      { field: 'carouselCards[1].headerValues', message: 'Missing variable values for carousel card 1 header, expected number of values are 1' },
      { field: 'carouselCards[1].bodyValues', message: 'Missing variable values for carousel card 1 body, expected number of values are 1' },
      { field: 'carouselCards', message: "Missing values for template's carousel cards, expected number of cards are 2" },
    ]);
    const r = renderTemplatePreview(carousel, { bodyValues: ['Asha'], carouselCards: [{ headerValues: ['https://x.example/1.png'], bodyValues: ['one'] }, { headerValues: ['https://x.example/2.png'], bodyValues: ['two'] }] });
    expect(r.text).toBe('Pick one, Asha:\n— card 1 —\n[Image]\nCard one\n— card 2 —\n[Image]\nOther two');
  });
});
