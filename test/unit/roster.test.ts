import { describe, expect, it } from 'vitest';
import { hasRole, Roster, toE164, topRole } from '../../src/domain/roster.ts';

describe('phones', () => {
  it('normalises international, national and WhatsApp forms to E.164', () => {
    expect(toE164('+33 6 12 34 56 78')).toBe('+33612345678');
    expect(toE164('33612345678')).toBe('+33612345678');
    expect(toE164('33612345678@s.whatsapp.net')).toBe('+33612345678');
    expect(toE164('33612345678:12@s.whatsapp.net')).toBe('+33612345678');
    expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
  });

  it('refuses what is not a phone', () => {
    for (const bad of ['', 'hello', '+1', '12', '+999999999999999999']) expect(toE164(bad)).toBeUndefined();
  });
});

describe('roles', () => {
  it('ranks admin > duty_officer > officer > viewer', () => {
    expect(hasRole(['admin'], 'viewer')).toBe(true);
    expect(hasRole(['duty_officer'], 'officer')).toBe(true);
    expect(hasRole(['officer'], 'duty_officer')).toBe(false);
    expect(hasRole(['viewer'], 'officer')).toBe(false);
    expect(hasRole([], 'viewer')).toBe(false);
    expect(topRole(['officer', 'admin', 'viewer'])).toBe('admin');
    expect(topRole([])).toBeUndefined();
  });

  it('finds staff by phone and by role', () => {
    const roster = new Roster([
      { name: 'Ana Duty', phone: '+15550000001', roles: ['duty_officer', 'officer'] },
      { name: 'Dev Viewer', phone: '+15550000004', roles: ['viewer'] },
    ]);
    expect(roster.find('+15550000001')?.name).toBe('Ana Duty');
    expect(roster.find('+15550000009')).toBeUndefined();
    expect(roster.find(undefined)).toBeUndefined();
    expect(roster.withRole('officer').map((s) => s.name)).toEqual(['Ana Duty']);
    expect(roster.all()).toHaveLength(2);
  });
});
