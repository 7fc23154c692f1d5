import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigFile } from '../../src/config/load-config.ts';
import { parsePlaybook } from '../../src/playbooks/loader.ts';

const example = readFileSync('config/example.yaml', 'utf8');
const minimal = 'embassy: { name: E, number: "+15550000000", country: SY }\nlanguages: [en]\nregions: [{ id: north, name: North }]\n';

function faultOf(text: string): string {
  try {
    parseConfigFile(text, 'embassy.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfigFile', () => {
  it('reads the shipped example: 3 regions, 4 staff with different roles, one cell group, en/fr/ar', () => {
    const cfg = parseConfigFile(example, 'config/example.yaml');
    expect(cfg.regions.map((r) => r.id)).toHaveLength(3);
    expect(cfg.staff).toHaveLength(4);
    expect(new Set(cfg.staff.flatMap((s) => s.roles))).toEqual(new Set(['admin', 'duty_officer', 'officer', 'viewer']));
    expect(cfg.cellGroups).toHaveLength(1);
    expect(cfg.languages).toEqual(['en', 'fr', 'ar']);
  });

  it('fills defaults for every optional section', () => {
    const cfg = parseConfigFile(minimal, 'm.yaml');
    expect(cfg.staff).toEqual([]);
    expect(cfg.cellGroups).toEqual([]);
    expect(cfg.broadcast).toEqual({ ratePerSecond: 5, approvalThreshold: 25 });
    expect(cfg.escalation.secondDeadline).toBe('10m');
    expect(cfg.escalation.ackDeadline.critical).toBe('5m');
    expect(cfg.digest).toEqual({ maxCardsPerWindow: 5, window: '1m' });
    expect(cfg.regions[0]?.aliases).toEqual([]);
  });

  it('names the field and the fault', () => {
    expect(faultOf(minimal.replace('"+15550000000"', '"5550000"'))).toBe(
      'embassy.yaml: embassy.number: must be an E.164 phone number like +15550000001',
    );
    expect(faultOf(minimal.replace('country: SY', 'country: Syria'))).toMatch(/^embassy.yaml: embassy.country: must be an ISO 3166/);
    expect(faultOf(minimal.replace('[en]', '[]'))).toBe('embassy.yaml: languages: must list at least one language');
    expect(faultOf(minimal.replace('id: north', 'id: North Province'))).toMatch(
      /^embassy.yaml: regions entry 1 \(North\), id: must be lower-case/,
    );
    expect(faultOf(`${minimal}staff: [{ name: A, phone: "+15550000001", roles: [] }]\n`)).toMatch(
      /^embassy.yaml: staff entry 1 \(A\), roles: /,
    );
    expect(faultOf(`${minimal}cellGroups: [{ id: "crisis", name: C }]\n`)).toBe(
      'embassy.yaml: cellGroups entry 1 (C), id: must be a WhatsApp group id ending in @g.us',
    );
    expect(faultOf(`${minimal}escalation: { secondDeadline: soon }\n`)).toBe(
      'embassy.yaml: escalation.secondDeadline: must be a duration like 30s, 5m, 2h or 1d',
    );
  });

  it('refuses a phone listed twice in the roster and a region id used twice', () => {
    const twice = `${minimal}staff:\n  - { name: A, phone: "+15550000001", roles: [admin] }\n  - { name: B, phone: "+15550000001", roles: [viewer] }\n`;
    expect(faultOf(twice)).toBe('embassy.yaml: staff entry 2 (B), phone: is listed twice, also in entry 1');
    expect(faultOf(minimal.replace('[{ id: north, name: North }]', '[{ id: north, name: A }, { id: north, name: B }]'))).toBe(
      'embassy.yaml: regions entry 2 (B), id: is listed twice, also in entry 1',
    );
  });

  it('refuses a word naming two regions, a cell group listed twice, a language listed twice', () => {
    const two =
      'regions:\n  - { id: north, name: North, aliases: [Central] }\n  - { id: centre, name: Centre, aliases: [central, middle] }\n';
    expect(faultOf(minimal.replace('regions: [{ id: north, name: North }]\n', two))).toBe(
      'embassy.yaml: regions entry 2 (Centre), aliases entry 1: "central" also names region north',
    );
    const nameClash = 'regions:\n  - { id: north, name: North }\n  - { id: nord, name: Nord, aliases: [north] }\n';
    expect(faultOf(minimal.replace('regions: [{ id: north, name: North }]\n', nameClash))).toBe(
      'embassy.yaml: regions entry 2 (Nord), aliases entry 1: "north" also names region north',
    );
    const own = 'regions:\n  - { id: north, name: North, aliases: [north, nord] }\n';
    expect(() => parseConfigFile(minimal.replace('regions: [{ id: north, name: North }]\n', own), 'embassy.yaml')).not.toThrow();
    const group = '{ id: "120363000000000001@g.us", name: Crisis cell }';
    expect(faultOf(`${minimal}cellGroups: [${group}, ${group}]\n`)).toBe(
      'embassy.yaml: cellGroups entry 2 (Crisis cell), id: is listed twice, also in entry 1',
    );
    expect(faultOf(minimal.replace('[en]', '[en, fr, en]'))).toBe('embassy.yaml: languages entry 3: "en" is listed twice, also in entry 1');
  });

  it('refuses a zero duration and one longer than a timer can wait', () => {
    expect(faultOf(`${minimal}membershipGuard: { reconcileEvery: 0s }\n`)).toBe(
      'embassy.yaml: membershipGuard.reconcileEvery: must be from 1s to 24d',
    );
    expect(faultOf(`${minimal}digest: { window: 0m }\n`)).toBe('embassy.yaml: digest.window: must be from 1s to 24d');
    expect(faultOf(`${minimal}membershipGuard: { reconcileEvery: 30d }\n`)).toBe(
      'embassy.yaml: membershipGuard.reconcileEvery: must be from 1s to 24d',
    );
    expect(() => parseConfigFile(`${minimal}membershipGuard: { reconcileEvery: 24d }\n`, 'embassy.yaml')).not.toThrow();
  });

  it('takes when welfare checks close by themselves, and refuses a close before their follow-up or reminder', () => {
    const welfare = (fields: string) => `${minimal}broadcast: { ${fields} }\n`;
    expect(parseConfigFile(welfare('welfareCloseAfter: 2d'), 'embassy.yaml').broadcast.welfareCloseAfter).toBe('2d');
    expect(faultOf(welfare('welfareCloseAfter: soon'))).toBe(
      'embassy.yaml: broadcast.welfareCloseAfter: must be a duration like 30s, 5m, 2h or 1d',
    );
    expect(faultOf(welfare('welfareCloseAfter: 30d'))).toBe('embassy.yaml: broadcast.welfareCloseAfter: must be from 1s to 24d');
    expect(faultOf(welfare('welfareCloseAfter: 4h'))).toBe(
      'embassy.yaml: broadcast.welfareCloseAfter: must be longer than broadcast.welfareFollowUpAfter (6h): a check closed by then would never list its non-responders for phone follow-up',
    );
    expect(faultOf(welfare('welfareFollowUpAfter: 1d, welfareCloseAfter: 1d'))).toMatch(
      /^embassy.yaml: broadcast.welfareCloseAfter: must be longer than broadcast.welfareFollowUpAfter \(1d\)/,
    );
    expect(faultOf(welfare('welfareReminderAfter: 12h, welfareFollowUpAfter: 1h, welfareCloseAfter: 10h'))).toBe(
      'embassy.yaml: broadcast.welfareCloseAfter: must be longer than broadcast.welfareReminderAfter (12h): a check closed by then would never remind its non-responders',
    );
  });

  it('keeps the default deadline of a severity the file leaves out: tightening critical does not stop paging for the rest', () => {
    const cfg = parseConfigFile(`${minimal}escalation: { ackDeadline: { critical: 2m } }\n`, 'embassy.yaml');
    expect(cfg.escalation.ackDeadline).toEqual({ critical: '2m', high: '15m', medium: '1h', low: '4h' });
  });

  it("refuses a roster phone that is the embassy's own number, a region called all, a blank staff name and a country with no phone plan", () => {
    expect(faultOf(`${minimal}staff: [{ name: A, phone: "+15550000000", roles: [officer] }]\n`)).toBe(
      "embassy.yaml: staff entry 1 (A), phone: is the embassy's own number (embassy.number)",
    );
    expect(faultOf(minimal.replace('{ id: north, name: North }', '{ id: north, name: North, aliases: [nord, All] }'))).toBe(
      'embassy.yaml: regions entry 1 (North), aliases entry 2: "all" means every region in /alert, /welfare and playbooks',
    );
    expect(faultOf(minimal.replace('{ id: north, name: North }', '{ id: all, name: Everywhere }'))).toBe(
      'embassy.yaml: regions entry 1 (Everywhere), id: "all" means every region in /alert, /welfare and playbooks',
    );
    expect(faultOf(`${minimal}staff: [{ name: "  ", phone: "+15550000001", roles: [officer] }]\n`)).toBe(
      'embassy.yaml: staff entry 1, name: must not be empty',
    );
    expect(faultOf(minimal.replace('country: SY', 'country: XX'))).toBe(
      'embassy.yaml: embassy.country: is not a country with a phone numbering plan; use its ISO 3166 alpha-2 code, like SY',
    );
  });

  it('names unknown fields, missing fields, empty files and YAML syntax errors with their position', () => {
    expect(faultOf(`${minimal}embassies: []\n`)).toBe('embassy.yaml: embassies: is not a known field');
    expect(faultOf(minimal.replace('languages: [en]\n', ''))).toBe('embassy.yaml: languages: is required');
    expect(faultOf('')).toBe('embassy.yaml: the file is empty; expected the embassy configuration');
    expect(faultOf('embassy: { name: E\nlanguages: [en]\n')).toMatch(/^embassy.yaml:\d+:\d+: invalid YAML: \S/);
    expect(faultOf('- a list\n')).toMatch(/^embassy.yaml: \(top level\): .*object/);
  });
});

describe('loadConfig', () => {
  it('applies the documented environment defaults and freezes the result', () => {
    const cfg = loadConfig({});
    expect(cfg.env).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 8080,
      TRANSPORT: 'simulator',
      CRISIS_CELL_CONFIG: 'config/example.yaml',
      LOG_LEVEL: 'info',
      ROLE: 'all',
      KEY_PREFIX: 'cc',
      DATA_DIR: 'data',
    });
    expect(cfg.env.ADMIN_TOKEN).toBeUndefined();
    expect(Object.isFrozen(cfg.file.staff)).toBe(true);
  });

  it('treats an empty variable as unset (ADMIN_TOKEN= in a .env file or compose)', () => {
    const cfg = loadConfig({ ADMIN_TOKEN: '', PORT: '', KEY_PREFIX: '' });
    expect(cfg.env.ADMIN_TOKEN).toBeUndefined();
    expect(cfg.env.PORT).toBe(8080);
    expect(cfg.env.KEY_PREFIX).toBe('cc');
  });

  it('names the environment variable and the fault', () => {
    const fault = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(fault({ PORT: 'abc' })).toBe('environment: PORT: must be a port number from 0 to 65535');
    expect(fault({ PORT: '70000' })).toMatch(/^environment: PORT: /);
    expect(fault({ REDIS_URL: 'http://localhost' })).toBe('environment: REDIS_URL: must be a redis:// or rediss:// URL');
    expect(fault({ TRANSPORT: 'telegram' })).toMatch(/^environment: TRANSPORT: /);
    expect(fault({ ADMIN_TOKEN: 'short' })).toBe('environment: ADMIN_TOKEN: must be at least 16 characters');
    expect(fault({ KEY_PREFIX: 'a b' })).toMatch(/^environment: KEY_PREFIX: /);
    expect(fault({ PAIRING_NUMBER: 'embassy phone' })).toBe(
      "environment: PAIRING_NUMBER: must be the embassy's WhatsApp number with its country code, like +33612345678",
    );
    expect(fault({ PAIRING_NUMBER: '0612345678' })).toMatch(/^environment: PAIRING_NUMBER: /);
    expect(fault({ PAIRING_NUMBER: '+33 6 12' })).toMatch(/^environment: PAIRING_NUMBER: /);
    expect(loadConfig({ PAIRING_NUMBER: '+33 6 12 34 56 78' }).env.PAIRING_NUMBER).toBe('+33612345678');
    expect(loadConfig({ PAIRING_NUMBER: '33612345678' }).env.PAIRING_NUMBER).toBe('+33612345678');
    expect(fault({ CRISIS_CELL_CONFIG: '/nonexistent/x.yaml' })).toBe('/nonexistent/x.yaml: cannot read config file (ENOENT)');
  });
});

describe('config errors an embassy admin editing the YAML can act on', () => {
  const example = readFileSync('config/example.yaml', 'utf8');
  const edited = (from: string, to: string) => {
    expect(example).toContain(from);
    return example.replace(from, to);
  };

  it('says to put a phone or an emergency number YAML read as a number in quotes, quoting what the file says', () => {
    expect(faultOf(edited('phone: "+15550000003"', 'phone: +15550000003'))).toBe(
      'embassy.yaml: staff entry 3 (Chloe Officer), phone: write it in quotes ("+15550000003"): YAML reads +15550000003 as a number',
    );
    expect(faultOf(edited('emergencyNumber: "112"', 'emergencyNumber: 112'))).toBe(
      'embassy.yaml: embassy.emergencyNumber: write it in quotes ("112"): YAML reads 112 as a number',
    );
    // The leading 0 YAML drops is still what the admin is shown.
    expect(faultOf(edited('dutyPhone: "+1 555 000 0099"', 'dutyPhone: 0112345678'))).toBe(
      'embassy.yaml: embassy.dutyPhone: write it in quotes ("0112345678"): YAML reads 0112345678 as a number',
    );
    expect(faultOf(edited('emergencyNumber: "112"', 'emergencyNumber:'))).toBe(
      'embassy.yaml: embassy.emergencyNumber: is empty: write its value, or leave the line out',
    );
  });

  it('counts roster entries from 1 and names them: a phone listed twice says where else it is', () => {
    expect(faultOf(edited('phone: "+15550000004"', 'phone: "+15550000002"'))).toBe(
      'embassy.yaml: staff entry 4 (Dev Viewer), phone: is listed twice, also in entry 2',
    );
    expect(faultOf(edited('roles: [viewer]', 'roles: [viewer, consul]'))).toMatch(
      /^embassy.yaml: staff entry 4 \(Dev Viewer\), roles entry 2: /,
    );
  });

  it('takes a staff phone written with spaces, as the duty phone and the API take one, and keeps it in E.164', () => {
    const cfg = parseConfigFile(edited('phone: "+15550000003"', 'phone: "+1 555 000 0003"'), 'embassy.yaml');
    expect(cfg.staff.find((s) => s.name === 'Chloe Officer')?.phone).toBe('+15550000003');
    const dotted = parseConfigFile(edited('phone: "+15550000003"', 'phone: " +1 (555) 000-0003 "'), 'embassy.yaml');
    expect(dotted.staff.find((s) => s.name === 'Chloe Officer')?.phone).toBe('+15550000003');
    expect(parseConfigFile(edited('number: "+15550000000"', 'number: "+1 555 000 0000"'), 'embassy.yaml').embassy.number).toBe(
      '+15550000000',
    );
    expect(faultOf(edited('phone: "+15550000003"', 'phone: "+1 555-000-0000"'))).toBe(
      "embassy.yaml: staff entry 3 (Chloe Officer), phone: is the embassy's own number (embassy.number)",
    );
    // Written twice in two ways, it is still one phone listed twice.
    expect(faultOf(edited('phone: "+15550000003"', 'phone: "+1 555 000 0002"'))).toBe(
      'embassy.yaml: staff entry 3 (Chloe Officer), phone: is listed twice, also in entry 2',
    );
    // Without its country code it would be read in the wrong country: still refused.
    expect(faultOf(edited('phone: "+15550000003"', 'phone: "555 000 0003"'))).toBe(
      'embassy.yaml: staff entry 3 (Chloe Officer), phone: must be an E.164 phone number like +15550000001',
    );
  });

  it('quotes the duration a playbook file gives, not an example it does not contain', () => {
    const playbook = readFileSync('test/fixtures/playbooks/drill.yaml', 'utf8');
    const fault = (text: string) => {
      try {
        parsePlaybook(text, 'playbooks/drill.yaml');
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(playbook).toContain('after: 2h');
    const minutes = fault(playbook.replace('after: 2h', 'after: 5 minutes'));
    expect(minutes).toContain('must be a duration like 30s, 15m, 2h or 1d (not "5 minutes")');
    expect(minutes).not.toContain('2 hrs');
    expect(fault(playbook.replace('after: 2h', 'after: 5'))).toContain(
      'must be a duration with its unit, like 30s, 15m, 2h or 1d (not 5 alone)',
    );
  });
});
