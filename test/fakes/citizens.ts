import type { CoreDeps } from '../../src/app/deps.ts';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';

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

/**
 * Registers `count` citizens whose phones are `phone(from)`, `phone(from + 1)`, …: households of 2
 * in the north reading English, unless `over` says otherwise. Returns their phones.
 */
export async function seedCitizens(
  deps: CoreDeps,
  phone: (n: number) => string,
  from: number,
  count: number,
  over: Partial<Citizen> = {},
): Promise<string[]> {
  const citizens = Array.from({ length: count }, (_, i) => ({
    ...aCitizen({ phone: phone(from + i), name: `Citizen ${from + i}`, household: 2 }),
    ...over,
  }));
  await saveCitizens(deps, citizens);
  return citizens.map((c) => c.phone);
}
