import type { Citizen } from '../../src/citizens/registry.ts';

let next = 0;

/** A registered citizen for tests: a fresh phone each time unless overridden. */
export function aCitizen(over: Partial<Citizen> = {}): Citizen {
  next += 1;
  return {
    phone: `+3361800${String(next).padStart(4, '0')}`,
    name: `Citizen ${next}`,
    region: 'north',
    household: 1,
    language: 'en',
    registeredAt: 1,
    updatedAt: 1,
    optedOut: false,
    ...over,
  };
}
