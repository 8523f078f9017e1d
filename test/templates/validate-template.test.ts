import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/platform/errors.ts';
import { assertValidTemplate, resolveLanguage, TEMPLATE_LANGUAGE_CODES, validateTemplateDefinition } from '../../src/templates/index.ts';

const body = (text: string, example?: string[]) => ({ type: 'BODY', text, ...(example ? { example: { body_text: [example] } } : {}) });

describe("Meta's template creation rules, checked locally", () => {
  it('accepts a full valid template and normalises types', () => {
    const { problems, definition } = validateTemplateDefinition({
      name: 'order_shipped_2',
      language: 'en_US',
      category: 'utility',
      components: [
        { type: 'header', format: 'text', text: 'Order {{1}}', example: { header_text: ['#12'] } },
        body('Hi {{1}}, your order {{2}} has shipped.', ['Asha', '#12']),
        { type: 'FOOTER', text: 'Thanks for shopping' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'quick_reply', text: 'Thanks' },
            { type: 'QUICK_REPLY', text: 'Stop' },
            { type: 'URL', text: 'Track', url: 'https://shop.example.com/t/{{1}}', example: ['https://shop.example.com/t/12'] },
            { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+919800000000' },
          ],
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(definition).toMatchObject({ name: 'order_shipped_2', language: 'en_US', category: 'UTILITY', parameterFormat: 'positional' });
    expect(definition.components.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
    expect(definition.components[0]!.format).toBe('TEXT');
    expect(definition.components[3]!.buttons!.map((b) => b.type)).toEqual(['QUICK_REPLY', 'QUICK_REPLY', 'URL', 'PHONE_NUMBER']);
  });

  it('reports every problem of a bad template at once, with exact messages', () => {
    const { problems } = validateTemplateDefinition({
      name: 'Summer Sale!',
      language: 'en-GB-x',
      category: 'PROMOTION',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'A {{1}} and {{2}} header that is far longer than the sixty characters allowed' },
        { type: 'BODY', text: '{{1}} hello {{3}}', example: { body_text: [['x']] } },
        { type: 'FOOTER', text: 'Footer with {{1}}' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Yes' },
            { type: 'URL', text: 'A label that is longer than twenty five', url: 'https://x.example/{{1}}/page' },
            { type: 'QUICK_REPLY', text: 'No' },
            { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+91 98000 00000 00000 000' },
            { type: 'OTP', otp_type: 'COPY_CODE' },
          ],
        },
        { type: 'BODY', text: 'second body' },
      ],
    });
    expect(problems).toEqual([
      { field: 'name', message: 'may contain only lowercase letters, digits and underscores' },
      { field: 'language', message: '"en-GB-x" is not a language code Meta supports for templates (e.g. en, en_US, hi)' },
      { field: 'category', message: 'must be MARKETING, UTILITY or AUTHENTICATION, got "PROMOTION"' },
      { field: 'components[0].text', message: 'must be at most 60 characters, got 77' },
      { field: 'components[0].text', message: 'a header can have at most 1 variable, got 2' },
      { field: 'components[0].example.header_text', message: 'is required: one example value per variable, as ["value"]' },
      { field: 'components[1].text', message: 'variables must be numbered in sequence from {{1}} with no gaps, got {{1}}, {{3}}' },
      { field: 'components[1].text', message: 'cannot start or end with a variable (Meta error 2388299)' },
      { field: 'components[1].text', message: 'has 2 variables but only 1 word; Meta refuses templates with more variables than words (2388293)' },
      { field: 'components[1].example.body_text', message: 'must have 2 example values (one per variable), got 1' },
      { field: 'components[2].text', message: 'cannot contain variables' },
      { field: 'components[3].buttons[1].text', message: 'must be at most 25 characters, got 39' },
      { field: 'components[3].buttons[1].url', message: 'can have one variable, {{1}}, only at the end' },
      { field: 'components[3].buttons[1].example', message: 'is required for a URL with a variable: ["the full example URL or suffix"]' },
      { field: 'components[3].buttons[3].phone_number', message: 'must be at most 20 characters, got 25' },
      { field: 'components[3].buttons[4].type', message: 'OTP buttons are only for AUTHENTICATION templates' },
      {
        field: 'components[3].buttons',
        message: 'quick reply buttons must be grouped together, before or after the other buttons (e.g. QUICK_REPLY, QUICK_REPLY, URL — not QUICK_REPLY, URL, QUICK_REPLY)',
      },
      { field: 'components[4].type', message: 'a template can have only one BODY component' },
    ]);
  });

  it('requires name, language, category and a BODY', () => {
    expect(validateTemplateDefinition({ components: [{ type: 'FOOTER', text: 'x' }] }).problems).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'language', message: 'is required' },
      { field: 'category', message: 'is required' },
      { field: 'components', message: 'must include a BODY component' },
    ]);
    expect(validateTemplateDefinition({ name: 'a', language: 'en', category: 'UTILITY' }).problems).toEqual([{ field: 'components', message: 'must be a non-empty array with one BODY component' }]);
  });

  it('limits: body 1024, footer 60, name 512, buttons 10 and per-type counts', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ type: 'QUICK_REPLY', text: `Option ${i}` }));
    const { problems } = validateTemplateDefinition({
      name: 'a'.repeat(513),
      language: 'hi',
      category: 'MARKETING',
      components: [
        body('x'.repeat(1025)),
        { type: 'FOOTER', text: 'f'.repeat(61) },
        { type: 'BUTTONS', buttons: many },
      ],
    });
    expect(problems).toEqual([
      { field: 'name', message: 'must be at most 512 characters, got 513' },
      { field: 'components[0].text', message: 'must be at most 1024 characters, got 1025' },
      { field: 'components[1].text', message: 'must be at most 60 characters, got 61' },
      { field: 'components[2].buttons', message: 'a template can have at most 10 buttons, got 11' },
      { field: 'components[2].buttons', message: 'a template can have at most 10 QUICK_REPLY buttons, got 11' },
    ]);
    const urls = validateTemplateDefinition({
      name: 'three_links',
      language: 'en',
      category: 'MARKETING',
      components: [body('See our links'), { type: 'BUTTONS', buttons: [1, 2, 3].map((i) => ({ type: 'URL', text: `L${i}`, url: `https://x.example/${i}` })) }],
    }).problems;
    expect(urls).toEqual([{ field: 'components[1].buttons', message: 'a template can have at most 2 URL buttons, got 3' }]);
  });

  it('variable rules: adjacent variables, too many variables for the words, named parameters, media headers need a handle', () => {
    expect(validateTemplateDefinition({ name: 'adj', language: 'en', category: 'UTILITY', components: [body('Hello {{1}}{{2}} there', ['a', 'b'])] }).problems).toEqual([
      { field: 'components[0].text', message: 'has two variables next to each other with no text between them; Meta rejects this (INVALID_FORMAT)' },
    ]);
    expect(validateTemplateDefinition({ name: 'ratio', language: 'en', category: 'UTILITY', components: [body('Hi {{1}} {{2}} {{3}} ok', ['a', 'b', 'c'])] }).problems).toEqual([
      { field: 'components[0].text', message: 'has two variables next to each other with no text between them; Meta rejects this (INVALID_FORMAT)' },
      { field: 'components[0].text', message: 'has 3 variables but only 2 words; Meta refuses templates with more variables than words (2388293)' },
    ]);
    expect(
      validateTemplateDefinition({
        name: 'named_one',
        language: 'en',
        category: 'UTILITY',
        parameter_format: 'named',
        components: [{ type: 'BODY', text: 'Hi {{first_name}}, code {{Code1}} ok', example: { body_text_named_params: [{ param_name: 'first_name', example: 'Asha' }, { param_name: 'other', example: 'x' }] } }],
      }).problems,
    ).toEqual([
      { field: 'components[0].text', message: 'named variables must be 1-20 lowercase letters or underscores, got {{Code1}}' },
      { field: 'components[0].example.body_text_named_params', message: 'needs a non-empty example for {{Code1}}' },
      { field: 'components[0].example.body_text_named_params', message: 'names "other", which is not a variable of the body' },
    ]);
    expect(validateTemplateDefinition({ name: 'pos', language: 'en', category: 'UTILITY', components: [body('Hi {{name}} there', ['a'])] }).problems).toEqual([
      { field: 'components[0].text', message: 'uses named variables ({{name}}) but parameter_format is positional' },
    ]);
    expect(validateTemplateDefinition({ name: 'img', language: 'en', category: 'MARKETING', components: [{ type: 'HEADER', format: 'IMAGE' }, body('New arrivals are here')] }).problems).toEqual([
      { field: 'components[0].example.header_handle', message: 'is required for a IMAGE header: the handle of a sample file (upload it first: POST /api/v1/templates/media)' },
    ]);
    expect(validateTemplateDefinition({ name: 'otp', language: 'en', category: 'AUTHENTICATION', components: [{ type: 'HEADER', format: 'LOCATION' }, body('{{1}} is your code.', ['123456'])] }).problems).toEqual([
      { field: 'components[0].format', message: 'LOCATION headers are only for MARKETING and UTILITY templates' },
      { field: 'components[1].text', message: 'cannot start or end with a variable (Meta error 2388299)' },
    ]);
    expect(validateTemplateDefinition({ name: 'legacy', language: 'en', category: 'TRANSPORTATION_UPDATE', components: [body('Your bus leaves soon')] }).problems).toEqual([
      { field: 'category', message: '"TRANSPORTATION_UPDATE" is a category Meta retired; use MARKETING, UTILITY or AUTHENTICATION' },
    ]);
  });

  it('throws one 400 listing every problem', () => {
    try {
      assertValidTemplate({ name: 'X', language: 'en', category: 'UTILITY', components: [body('ok')] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('validation_failed');
      expect((err as AppError).message).toBe('Template is invalid (1 problem): name may contain only lowercase letters, digits and underscores');
    }
  });

  it("knows Meta's 111 language codes and Interakt's English names", () => {
    expect(TEMPLATE_LANGUAGE_CODES).toHaveLength(111);
    // The list in cloud-api-limits.md §5.6, verbatim.
    const reference =
      'af sq ar ar_EG ar_AE ar_LB ar_MA ar_QA az be_BY bn bn_IN bg ca zh_CN zh_HK zh_TW hr cs da prs_AF nl nl_BE en en_GB en_US en_AE en_AU en_CA en_GH en_IE en_IN en_JM en_MY en_NZ en_QA en_SG en_UG en_ZA et fil fi fr fr_BE fr_CA fr_CH fr_CI fr_MA ka de de_AT de_CH el gu ha he hi hu id ga it ja kn kk rw_RW ko ky_KG lo lv lt mk ms ml mr nb ps_AF fa pl pt_BR pt_PT pa ro ru sr si_LK sk sl es es_AR es_CL es_CO es_CR es_DO es_EC es_HN es_MX es_PA es_PE es_ES es_UY sw sv ta te th tr uk ur uz vi zu';
    expect([...TEMPLATE_LANGUAGE_CODES].sort()).toEqual(reference.split(' ').sort());
    expect(resolveLanguage('English')).toBe('en');
    expect(resolveLanguage('hindi')).toBe('hi');
    expect(resolveLanguage('English (US)')).toBe('en_US');
    expect(resolveLanguage('en-US')).toBe('en_US');
    expect(resolveLanguage('Klingon')).toBeNull();
  });
});
