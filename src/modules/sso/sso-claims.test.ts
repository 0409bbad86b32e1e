import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { personFromClaims, roleOf } from './sso-claims.js';

const connection = {
  emailClaim: 'email',
  nameClaim: 'name',
  groupsClaim: 'groups',
  allowedDomains: ['acme.test'],
  roleMapping: [
    { group: 'support', role: 'operator' as const },
    { group: 'admins', role: 'tenant_admin' as const },
  ],
  defaultRole: 'member' as const,
};

describe('roleOf', () => {
  it('gives the highest role any group maps to, else the default, else none', () => {
    expect(roleOf(connection, ['support', 'admins'])).toBe('tenant_admin');
    expect(roleOf(connection, ['support'])).toBe('operator');
    expect(roleOf(connection, ['other'])).toBe('member');
    expect(roleOf({ ...connection, defaultRole: null }, ['other'])).toBeNull();
  });
});

describe('personFromClaims', () => {
  it('reads email (lower-cased), name, subject and groups given as one string', () => {
    const person = personFromClaims(connection, {
      sub: 's1',
      email: 'Ann@ACME.test',
      name: ' Ann ',
      groups: 'x support',
    });
    expect(person).toEqual({
      subject: 's1',
      email: 'ann@acme.test',
      displayName: 'Ann',
      role: 'operator',
      isEmailVerified: true,
      hasGroupsClaim: true,
    });
  });

  it('refuses a missing email, one outside the domains, and an unverified one, each with a sentence', () => {
    const refusal = (claims: Record<string, unknown>) => {
      try {
        personFromClaims(connection, claims);
      } catch (error) {
        return error instanceof AppError ? `${error.status} ${error.message}` : 'not an AppError';
      }
      return 'accepted';
    };
    expect(refusal({ sub: 's' })).toMatch(/^403 .*no 'email' claim/);
    expect(refusal({ sub: 's', email: 'a@evil.test' })).toMatch(/^403 .*outside the domains/);
    expect(refusal({ sub: 's', email: 'a@acme.test', email_verified: false })).toMatch(/^403 .*not verified/);
    // Only a boolean true verifies: a string, whatever it says, does not.
    expect(refusal({ sub: 's', email: 'a@acme.test', email_verified: 'false' })).toMatch(/^403 .*not verified/);
    expect(refusal({ sub: 's', email: 'a@acme.test', email_verified: 'true' })).toMatch(/^403 .*not verified/);
    expect(refusal({ sub: 's', email: 'not an email' })).toMatch(/^403 .*not an email address/);
    expect(refusal({ email: 'a@acme.test' })).toMatch(/^403 .*no subject/);
  });

  it('counts only the email claim, verified or without email_verified, as an address the provider vouches for', () => {
    expect(personFromClaims(connection, { sub: 's', email: 'a@acme.test' }).isEmailVerified).toBe(true);
    expect(personFromClaims(connection, { sub: 's', email: 'a@acme.test', email_verified: true }).isEmailVerified).toBe(
      true,
    );
    const byUpn = personFromClaims(
      { ...connection, emailClaim: 'upn' },
      { sub: 's', upn: 'a@acme.test', email_verified: true },
    );
    expect(byUpn).toMatchObject({ email: 'a@acme.test', isEmailVerified: false });
  });

  it('lets in any address its provider vouches for when the connection lists no domains', () => {
    const person = personFromClaims({ ...connection, allowedDomains: [] }, { sub: 's', email: 'a@anywhere.test' });
    expect(person.email).toBe('a@anywhere.test');
  });

  it('tells a provider that sent no groups claim from one that sent none of the mapped groups', () => {
    expect(personFromClaims(connection, { sub: 's', email: 'a@acme.test' }).hasGroupsClaim).toBe(false);
    expect(personFromClaims(connection, { sub: 's', email: 'a@acme.test', groups: [] }).hasGroupsClaim).toBe(true);
  });
});
