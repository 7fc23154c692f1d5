import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ROLES, type Role } from '../config/schema.ts';

export type { Role };
export { ROLES };

/** A rostered member of staff. */
export interface StaffMember {
  name: string;
  phone: string;
  roles: readonly Role[];
}

/** Rank of each role: a role includes every right of the roles ranked below it. */
const RANK: Record<Role, number> = { viewer: 0, officer: 1, duty_officer: 2, admin: 3 };

/** True when any of `roles` reaches `needed`. */
export function hasRole(roles: readonly Role[], needed: Role): boolean {
  return roles.some((r) => RANK[r] >= RANK[needed]);
}

/** The highest of a set of roles. */
export function topRole(roles: readonly Role[]): Role | undefined {
  return [...roles].sort((a, b) => RANK[b] - RANK[a])[0];
}

/**
 * Normalises a phone (or WhatsApp user part) to E.164. `defaultCountry` is used for
 * national numbers. Returns undefined when the text is not a possible phone number.
 */
export function toE164(raw: string, defaultCountry?: string): string | undefined {
  const key = `${defaultCountry ?? ''}|${raw}`;
  if (e164Cache.has(key)) return e164Cache.get(key);
  const result = parseE164(raw, defaultCountry);
  if (e164Cache.size >= 10_000) e164Cache.clear();
  e164Cache.set(key, result);
  return result;
}

const e164Cache = new Map<string, string | undefined>();

function parseE164(raw: string, defaultCountry?: string): string | undefined {
  // WhatsApp ids and most inputs are already international digits: no parsing needed.
  const plain = /^\+?([1-9]\d{7,14})(?::\d+)?(?:@[\w.]+)?$/.exec(raw.trim());
  if (plain) return `+${plain[1]}`;
  const trimmed = raw.trim().replace(/@.*$/, '').replace(/:\d+$/, '');
  const withPlus = /^\d{8,15}$/.test(trimmed) ? `+${trimmed}` : trimmed;
  const parsed = parsePhoneNumberFromString(withPlus, defaultCountry as never);
  if (parsed?.isPossible()) return parsed.number;
  // "1 555 000 0001", "44 20 7946 0000": international digits written in groups, without the "+".
  const digits = trimmed.replace(/[\s().-]/g, '');
  if (!/^[1-9]\d{7,14}$/.test(digits)) return undefined;
  const international = parsePhoneNumberFromString(`+${digits}`);
  return international?.isPossible() ? international.number : undefined;
}

/** The staff roster from the config file, indexed by phone. */
export class Roster {
  private readonly byPhone: Map<string, StaffMember>;

  constructor(staff: readonly StaffMember[]) {
    this.byPhone = new Map(staff.map((s) => [s.phone, s]));
  }

  find(phone: string | undefined): StaffMember | undefined {
    return phone ? this.byPhone.get(phone) : undefined;
  }

  /**
   * Staff who hold `role` itself, e.g. every duty officer. Exactly, not "at least": an admin is
   * paged as a duty officer only when the roster lists them as one too (escalation's two levels).
   */
  withRole(role: Role): StaffMember[] {
    return [...this.byPhone.values()].filter((s) => s.roles.includes(role));
  }

  /**
   * Staff by name as typed on a phone: the full name ("ana duty"), or the start of their names
   * ("Ana", "chloe o"), without regard to case or accents. Several people when the words fit more
   * than one (the caller asks which); none when they fit nobody.
   */
  byName(text: string): StaffMember[] {
    const words = fold(text).split(' ').filter(Boolean);
    if (words.length === 0) return [];
    const staff = [...this.byPhone.values()];
    const exact = staff.filter((s) => fold(s.name) === words.join(' '));
    if (exact.length > 0) return exact;
    return staff.filter((s) => {
      const names = fold(s.name).split(' ');
      return words.every((w, i) => names[i]?.startsWith(w));
    });
  }

  all(): StaffMember[] {
    return [...this.byPhone.values()];
  }
}

/** A name as compared: lower case, no accents, single spaces. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
