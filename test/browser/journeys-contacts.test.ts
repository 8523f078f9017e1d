import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, OWNER_EMAIL, screenshot, seriousA11yViolations, startBrowserEnv, VIEWPORTS, type BrowserEnv, type ViewportName } from './helpers.ts';

// Journeys on the Contacts page: import a CSV (map its columns, watch the progress bar reach
// 100 %, see the contacts in the table, the failed row counted), build a segment and watch its
// live count change, and an accessibility check of each section in both window sizes.

const CSV = ['Mobile,Full Name,City,Tags', '9811100001,Ann Alva,Pune,vip', '9811100002,Bob Bose,Delhi,', '9811100003,Cy Chand,Pune,"vip,new"', 'not-a-phone,Bad Row,Nowhere,', ''].join('\n');

describe('contacts journeys', () => {
  let env: BrowserEnv;
  beforeAll(async () => {
    env = await startBrowserEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it('imports a CSV with a column mapping and follows its progress bar to the end', { timeout: 90_000 }, async () => {
    const { page } = await env.newPage('laptop', { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
    await page.goto('/contacts/import');
    await page.getByRole('heading', { name: 'Import contacts from a CSV' }).waitFor();
    await page.getByLabel('CSV file').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });

    // The mapping starts from the headers: Mobile → phone, Full Name → name, Tags → tags, City → a trait.
    const mobile = page.getByLabel('Import column Mobile as');
    await mobile.waitFor();
    expect(await mobile.inputValue()).toBe('phone');
    expect(await page.getByLabel('Import column Full Name as').inputValue()).toBe('name');
    expect(await page.getByLabel('Import column Tags as').inputValue()).toBe('tags');
    expect(await page.getByLabel('Import column City as').inputValue()).toBe('trait');
    // Rename the trait, and show that a mapping without a phone column is refused in the form.
    await page.getByLabel('Trait name for column City').fill('home_city');
    await mobile.selectOption('ignore');
    await page.getByText('Choose the column that holds the phone number.').waitFor();
    expect(await page.getByRole('button', { name: 'Import customers.csv' }).isDisabled()).toBe(true);
    await mobile.selectOption('phone');
    await page.getByLabel('Default country code').fill('91');
    await page.getByLabel('Tags for every imported contact').fill('imported');
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'contacts-import-mapping-laptop');

    await page.getByRole('button', { name: 'Import customers.csv' }).click();
    const progress = page.getByTestId('import-progress').getByRole('progressbar', { name: 'Import progress' });
    await progress.waitFor();
    await page.getByTestId('import-progress').getByText('completed').waitFor({ timeout: 20_000 });
    expect(await progress.getAttribute('aria-valuenow')).toBe('100');
    const summary = await page.getByTestId('import-summary').textContent();
    expect(summary).toContain('3 created');
    expect(summary).toContain('1 failed');
    await page.getByRole('link', { name: 'Download the report of rows that failed' }).waitFor();
    await screenshot(page, 'contacts-import-done-laptop');

    // The contacts are in the table, with the mapped name, trait and tags; search narrows it.
    await page.getByRole('link', { name: 'All contacts' }).click();
    await page.getByRole('cell', { name: 'Ann Alva' }).waitFor();
    expect(await page.getByRole('cell', { name: '+919811100002' }).count()).toBe(1);
    await page.getByLabel('Search').fill('Chand');
    await expect.poll(() => page.getByTestId('contacts-count').textContent(), { timeout: 10_000 }).toBe('Showing 1 contact.');
    expect(await page.getByRole('cell', { name: 'Cy Chand' }).count()).toBe(1);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Tag').fill('vip');
    await expect.poll(() => page.getByTestId('contacts-count').textContent(), { timeout: 10_000 }).toBe('Showing 2 contacts.');
    await page.getByLabel('Tag').fill('');
    await page.getByLabel('Trait', { exact: true }).fill('home_city');
    await page.getByLabel('Trait value').fill('Delhi');
    await expect.poll(() => page.getByTestId('contacts-count').textContent(), { timeout: 10_000 }).toBe('Showing 1 contact.');
    expect(await page.getByRole('cell', { name: 'Bob Bose' }).count()).toBe(1);
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'contacts-table-laptop');

    // One contact: traits and tags in a dialog; a tag added and marketing opted out show in the table.
    await page.getByRole('button', { name: 'Bob Bose' }).click();
    const dialog = page.getByRole('dialog', { name: 'Bob Bose' });
    await dialog.getByText('Delhi').waitFor();
    await dialog.getByLabel('New tag').fill('wholesale');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByRole('button', { name: 'Remove tag wholesale' }).waitFor();
    await dialog.getByRole('button', { name: 'Opt out of marketing' }).click();
    await dialog.getByRole('button', { name: 'Opt back in to marketing' }).waitFor();
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'contacts-detail-laptop');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const bob = page.getByRole('row', { name: /Bob Bose/ });
    await bob.getByText('Opted out').waitFor();
    await bob.getByText('wholesale').waitFor();
  });

  it('builds a segment whose live count follows the conditions, and saves it', async () => {
    const { page } = await env.newPage('laptop', { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
    await page.goto('/contacts/segments');
    await page.getByRole('heading', { name: 'New segment' }).waitFor();
    await page.getByLabel('Trait', { exact: true }).fill('home_city');
    await page.getByLabel('Value').fill('Pune');
    await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 10_000 }).toBe('2 contacts match now');
    await page.getByRole('button', { name: 'Add a condition' }).click();
    const second = page.getByRole('group', { name: 'Condition 2' });
    await second.getByLabel('Kind').selectOption('tag');
    await second.getByLabel('Contact').selectOption('not_has');
    await second.getByLabel('Tag').fill('new');
    await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 10_000 }).toBe('1 contact match now');
    await page.getByLabel('Contacts must match').selectOption('any');
    await expect.poll(() => page.getByTestId('segment-count').textContent(), { timeout: 10_000 }).toBe('3 contacts match now');
    await page.getByLabel('Contacts must match').selectOption('all');
    await page.getByLabel('Segment name').fill('Pune, not new');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: 'Pune, not new' }).waitFor();
    await expect.poll(() => page.getByLabel('Pune, not new count').textContent(), { timeout: 10_000 }).toBe('1 contacts');
    expect(await seriousA11yViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'contacts-segments-laptop');
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    it(`every contacts section passes axe (${viewport})`, { timeout: 60_000 }, async () => {
      const { page } = await env.newPage(viewport, { email: OWNER_EMAIL });
    page.setDefaultTimeout(10_000);
      for (const [path, heading] of [
        ['/contacts', 'Contacts'],
        ['/contacts/segments', 'New segment'],
        ['/contacts/import', 'Import contacts from a CSV'],
      ] as const) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
        await page.waitForLoadState('networkidle');
        expect(await seriousA11yViolations(page).then(describeViolations), path).toBe('');
        await screenshot(page, `contacts${path.replace('/contacts', '').replace(/\//g, '-') || '-list'}-${viewport}`);
      }
    });
  }
});
