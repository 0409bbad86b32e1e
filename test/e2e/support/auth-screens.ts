import type { Page } from 'playwright-core';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** The first-run form: the account created there administers the server. */
export async function createAdministrator(page: Page, credentials: Credentials & { name?: string }): Promise<void> {
  await page.getByRole('heading', { name: 'Create the administrator' }).waitFor();
  if (credentials.name) await page.getByLabel('Name').fill(credentials.name);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await waitUntilSignedIn(page);
}

export async function signIn(page: Page, credentials: Credentials): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitUntilSignedIn(page);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
}

/** The shell shows a "Sign out" button only to a signed-in person. */
export async function waitUntilSignedIn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
