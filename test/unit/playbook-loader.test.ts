import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/playbooks/commands.ts';
import { effectsUnavailable } from '../../src/playbooks/effects.ts';
import { PlaybooksFeature } from '../../src/playbooks/feature.ts';
import { loadPlaybookDir, PlaybookError, parsePlaybook } from '../../src/playbooks/loader.ts';
import { checkLibraryAgainstConfig, resolveParams } from '../../src/playbooks/params.ts';
import { dueText } from '../../src/playbooks/views.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, testConfig } from '../fakes/test-app.ts';

const GOOD = readFileSync('test/fixtures/playbooks/drill.yaml', 'utf8');

function refusal(text: string): PlaybookError {
  try {
    parsePlaybook(text, 'playbooks/drill.yaml');
  } catch (err) {
    if (err instanceof PlaybookError) return err;
    throw err;
  }
  throw new Error('the playbook was accepted');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('playbook loader', () => {
  it('accepts a valid playbook', () => {
    expect(parsePlaybook(GOOD, 'drill.yaml').steps).toHaveLength(9);
  });

  it('refuses an audience with both all: true and regions, which would reach every region', () => {
    const bad = GOOD.replace('audience: { regions: [$region] }', 'audience: { all: true, regions: [$region] }');
    expect(bad).not.toBe(GOOD);
    const err = refusal(bad);
    expect(err.message).toMatch(/audience\.regions: give either all: true or regions, not both/);
    expect(err.line).toBe(lineOf(bad, 'all: true, regions'));
  });

  it('takes reporters: false on an alert (registered citizens only) and refuses reporters on a welfare check', () => {
    const registryOnly = GOOD.replace(/(type: alert[\s\S]*?audience: \{ regions: \[\$region\])( \})/, '$1, reporters: false$2');
    expect(registryOnly).not.toBe(GOOD);
    const alert = parsePlaybook(registryOnly, 'drill.yaml').steps.find((s) => s.type === 'alert');
    expect(alert?.type === 'alert' && alert.audience.reporters).toBe(false);
    const bad = GOOD.replace(/(type: welfare_check[\s\S]*?audience: \{ regions: \[\$region\])( \})/, '$1, reporters: true$2');
    expect(bad).not.toBe(GOOD);
    const err = refusal(bad);
    expect(err.message).toMatch(/audience: unknown field reporters$/);
    expect(err.line).toBe(lineOf(bad, 'reporters: true'));
  });

  it('refuses a bad step type with its line', () => {
    const bad = GOOD.replace('type: sitrep', 'type: sit_rep');
    const err = refusal(bad);
    expect(err.line).toBe(lineOf(bad, 'type: sit_rep'));
    expect(err.message).toMatch(/^playbooks\/drill\.yaml:\d+: steps\.4\.type: type must be one of notify, alert/);
  });

  it('refuses a duration like "2 hrs" with its line', () => {
    const bad = GOOD.replace('after: 2h', 'after: 2 hrs');
    const err = refusal(bad);
    expect(err.line).toBe(lineOf(bad, 'after: 2 hrs'));
    expect(err.problem).toContain('must be a duration like 30s, 15m, 2h or 1d');
  });

  it('refuses a wait longer than a year, with its line (no date can be written that far: the run stopped half-way)', () => {
    for (const [from, to] of [
      ['after: 10m', 'after: 99999999d'],
      ['duration: 3h', 'duration: 366d'],
      ['due: 30m', 'due: 9000000h'],
    ] as const) {
      const err = refusal(GOOD.replace(from, to));
      expect(err.line).toBe(lineOf(GOOD, from));
      expect(err.problem).toMatch(/^steps\.\d+\.(after|duration|items\.0\.due): must be at most 365d$/);
    }
    expect(() => parsePlaybook(GOOD.replace('after: 10m', 'after: 365d'), 'drill.yaml')).not.toThrow();
  });

  it('refuses a text using a parameter the playbook does not declare, with its line', () => {
    const bad = GOOD.replace('text: { en: "Drill closed" }', 'text: { en: "Drill closed in {{city}}" }');
    const err = refusal(bad);
    expect(err.line).toBe(lineOf(bad, '{{city}}'));
    expect(err.problem).toContain('uses {{city}}, which is not a parameter');
  });

  it('refuses a step missing a required field, a condition on an unknown parameter, and an unknown field', () => {
    const noText = GOOD.replace('    text: { en: "Serious drill in {{region}}" }\n', '');
    expect(refusal(noText).problem).toBe('steps.7.text: is required');
    expect(refusal(noText).line).toBe(lineOf(noText, 'id: escalate'));
    const badWhen = GOOD.replace('param: serious', 'param: severity');
    expect(refusal(badWhen).line).toBe(lineOf(badWhen, 'param: severity'));
    const extra = GOOD.replace('    duration: 3h\n', '    duration: 3h\n    retries: 2\n');
    expect(refusal(extra).line).toBe(lineOf(extra, 'retries: 2'));
    expect(refusal('id: [unclosed\n').problem).toMatch(/invalid YAML/);
  });

  it('refuses a condition that can never hold: a value of the wrong type or not among the enum values', () => {
    const quoted = GOOD.replace('equals: true', 'equals: "true"');
    expect(refusal(quoted).line).toBe(lineOf(quoted, 'equals: "true"'));
    expect(refusal(quoted).problem).toBe('steps.7.when.equals: serious is a boolean parameter: compare it with true or false, not "true"');
    const yes = GOOD.replace('equals: true', 'equals: yes');
    expect(refusal(yes).problem).toContain('serious is a boolean parameter');
    const level = GOOD.replace(
      'serious: { type: boolean, default: false, description: whether to escalate }',
      'serious: { type: enum, values: [low, high], default: low, description: how serious }',
    );
    const typo = level.replace('equals: true', 'equals: hihg');
    // A name every object answers to is no parameter either.
    for (const name of ['constructor', 'toString'])
      expect(refusal(GOOD.replace('param: serious', `param: ${name}`)).problem).toContain(`condition on ${name}, which is not a parameter`);
    expect(refusal(typo).problem).toBe('steps.7.when.equals: "hihg" is not one of the values of serious (low, high)');
    expect(refusal(level.replace('equals: true', 'in: [high, hihg]')).problem).toContain('"hihg" is not one of the values of serious');
    expect(parsePlaybook(level.replace('equals: true', 'equals: high'), 'drill.yaml').steps[7]?.when).toEqual({
      param: 'serious',
      equals: 'high',
    });
  });

  it('refuses a default that does not fit its parameter', () => {
    const badDefault = GOOD.replace('serious: { type: boolean, default: false,', 'serious: { type: boolean, default: "no",');
    expect(refusal(badDefault).problem).toBe('parameters.serious.default: must be true or false, like the parameter, not "no"');
    expect(refusal(badDefault).line).toBe(lineOf(badDefault, 'serious: {'));
    const enumDefault = GOOD.replace(
      'serious: { type: boolean, default: false, description: whether to escalate }',
      'serious: { type: enum, values: [low, high], default: medium, description: how serious }',
    );
    expect(refusal(enumDefault).problem).toBe('parameters.serious.default: "medium" is not one of the values of serious (low, high)');
  });

  it('refuses an audience region parameter that a run may leave out', () => {
    const optional = GOOD.replace(
      'region: { type: region, required: true, description: region }',
      'region: { type: region, description: region }',
    );
    expect(refusal(optional).problem).toBe(
      'steps.1.audience.regions.0: $region may be left out of a run (the alert would reach nobody): make region required or give it a default',
    );
    expect(refusal(optional).line).toBe(lineOf(optional, 'audience: { regions: [$region] }'));
  });

  it('playbooks:check names a file it cannot read instead of printing a stack trace', async () => {
    const run = promisify(execFile);
    const err = await run('npx', ['tsx', 'src/playbooks/check.ts', 'playbooks/earthquake.yaml', 'playbooks/no-such.yaml']).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toContain('ok  playbooks/earthquake.yaml');
    expect(err?.stderr.trim()).toMatch(/^cannot read \S*playbooks\/no-such\.yaml: ENOENT$/);
  });

  it('names a misspelt field as unknown rather than only the field it leaves missing', () => {
    const err = refusal(GOOD.replace('title: Test drill', 'titel: Test drill'));
    expect(err.message).toBe(
      `playbooks/drill.yaml:${lineOf(GOOD, 'title: Test drill')}: unknown field titel (title is missing: misspelt?)`,
    );
  });

  it('playbooks:check DIR reports every invalid file and still checks the others; two files with one id are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-check-'));
    try {
      writeFileSync(join(dir, 'a-broken.yaml'), GOOD.replace('id: drill', 'id: a-broken').replace('type: alert', 'type: alrt'));
      writeFileSync(join(dir, 'drill.yaml'), GOOD);
      writeFileSync(join(dir, 'drill.yml'), GOOD.replace('title: Test drill', 'title: Old copy'));
      writeFileSync(join(dir, 'z-broken.yaml'), GOOD.replace('id: drill', 'id: z-broken').replace('due: 30m', 'due: 30 minutes'));
      const run = promisify(execFile);
      const err = await run('npx', ['tsx', 'src/playbooks/check.ts', dir]).then(
        () => undefined,
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(err?.code).toBe(1);
      expect(err?.stdout).toContain('ok  drill: Test drill');
      expect(err?.stdout).toContain('3 of 4 playbooks are invalid');
      const lines = err?.stderr.trim().split('\n') ?? [];
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/a-broken\.yaml:\d+: steps\.1\.type: type must be one of/);
      expect(lines[1]).toMatch(/drill\.yml:1: id drill is also the id of \S*drill\.yaml: keep one of the two files/);
      expect(lines[2]).toMatch(/z-broken\.yaml:\d+: steps\.3\.items\.0\.due: must be a duration/);
      rmSync(join(dir, 'a-broken.yaml'));
      rmSync(join(dir, 'z-broken.yaml'));
      expect(() => loadPlaybookDir(dir)).toThrow(/drill\.yml:1: id drill is also the id of \S*drill\.yaml/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('starts without embassy.emergencyNumber (DESIGN.md does not require it), warning which texts will say 112', async () => {
    const { emergencyNumber: _unset, ...embassy } = testConfig('unit').file.embassy;
    const library = await loadPlaybookDir('playbooks');
    const { warnings } = checkLibraryAgainstConfig(library, { ...testConfig('unit').file, embassy });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^embassy\.emergencyNumber is not set: the texts of .*earthquake\/first-alert.* tell citizens to call 112; set the local emergency number/,
    );
    expect(checkLibraryAgainstConfig(library, testConfig('unit').file)).toEqual({ warnings: [], refused: new Map() });
    const app = await startTestApp('pb-no-emergency', {
      config: { embassy },
      options: { features: [new PlaybooksFeature(effectsUnavailable)] },
    });
    await app.stop();
  });

  it('leaves out a playbook naming a region the configuration does not have: the bot starts, the cell is told, /run refuses it', async () => {
    const literal = parsePlaybook(GOOD.replace('audience: { regions: [$region] }', 'audience: { regions: [nrth] }'), 'drill.yaml');
    const good = parsePlaybook(GOOD.replace('id: drill', 'id: other'), 'other.yaml');
    const feature = new PlaybooksFeature(effectsUnavailable, {
      library: new Map([
        ['drill', literal],
        ['other', good],
      ]),
    });
    const app = await startTestApp('pb-bad-region', { options: { features: [feature] } });
    try {
      const problem = 'playbook drill, step warn: audience region "nrth" is not in the configuration\'s regions (north, capital, coast)';
      const told = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('⚠️ Playbook drill could not be loaded'));
      expect(told.text).toContain(problem);
      expect(feature.runner(app.deps).library.has('drill')).toBe(false);
      expect(feature.runner(app.deps).library.has('other')).toBe(true);
      await app.say(STAFF.duty, '/run drill region=north', { group: CELL_GROUP });
      await app.expectMessage(CELL_GROUP, (m) => m.kind === 'refusal' && m.text.includes('drill'));
    } finally {
      await app.stop();
    }
  });

  it('leaves an invalid playbook out of the app (which starts), and the check refuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-'));
    try {
      writeFileSync(join(dir, 'drill.yaml'), GOOD.replace('due: 30m', 'due: 30 minutes'));
      const feature = new PlaybooksFeature(effectsUnavailable, { dir });
      const app = await startTestApp('pb-invalid', { options: { features: [feature] } });
      await settle(app);
      await app.stop();
      expect(feature.library.has('drill')).toBe(false);
      expect(() => loadPlaybookDir(dir)).toThrow(/drill\.yaml:\d+: steps\.3\.items\.0\.due: must be a duration/);
      writeFileSync(join(dir, 'drill.yaml'), GOOD.replace('id: drill', 'id: other'));
      expect(() => loadPlaybookDir(dir)).toThrow(/id other must match the file name/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('run parameters', () => {
  const pb = parsePlaybook(GOOD, 'drill.yaml');
  const config = testConfig('unit').file;

  it('fills defaults, resolves region aliases and refuses what is missing or wrong', () => {
    expect(resolveParams(pb, { region: 'Nord' }, config)).toEqual({ region: 'north', serious: false });
    expect(() => resolveParams(pb, {}, config)).toThrow('drill needs the parameter region');
    expect(() => resolveParams(pb, { region: 'mars' }, config)).toThrow('region must be one of north, capital, coast');
    expect(() => resolveParams(pb, { region: 'north', serious: 'maybe' }, config)).toThrow('serious must be true or false');
    expect(() => resolveParams(pb, { region: 'north', city: 'x' }, config)).toThrow('drill has no parameter city');
  });

  it('takes an enum value as staff type it on a phone ("Severe" is severe), and still refuses one it does not have', () => {
    const levels = parsePlaybook(
      [
        'id: levels',
        'title: Levels',
        'version: 1',
        'description: An enum parameter.',
        'parameters:',
        '  level: { type: enum, values: [low, severe], default: low, description: how serious }',
        'steps:',
        '  - { id: open, type: notify, title: Open, text: { en: "Level {{level}}" } }',
      ].join('\n'),
      'levels.yaml',
    );
    expect(resolveParams(levels, { level: 'Severe' }, config)).toEqual({ level: 'severe' });
    expect(() => resolveParams(levels, { level: 'extreme' }, config)).toThrow('level must be one of low, severe, not "extreme"');
  });

  it('parses /run arguments', () => {
    expect(parseRunArgs(['region=north', 'exercise=true'])).toEqual({ params: { region: 'north' }, exercise: true });
    expect(() => parseRunArgs(['north'])).toThrow('"north" is not key=value.');
    expect(parseRunArgs('region=Northern Province place=“Old Town” exercise=true'.split(' '))).toEqual({
      params: { region: 'Northern Province', place: 'Old Town' },
      exercise: true,
    });
    expect(() => parseRunArgs(['exercise=true', 'north'])).toThrow('"north" is not key=value.');
    expect(parseRunArgs(['region=north', 'Exercise=True'])).toEqual({ params: { region: 'north' }, exercise: true });
    expect(() => parseRunArgs(['EXERCISE=true', 'exercise=false'])).toThrow('exercise is given twice');
  });

  it('refuses a bare "exercise" or "drill" rather than start a real run with the word in a value', () => {
    const drill = 'on its own does not make a drill: write exercise=true';
    expect(() => parseRunArgs(['region=north', 'magnitude=6.8', 'exercise'])).toThrow(`"exercise" ${drill}`);
    expect(() => parseRunArgs(['region=Northern', 'Province', 'drill'])).toThrow(`"drill" ${drill}`);
    expect(() => parseRunArgs(['region=north', '(Exercice)'])).toThrow(`"(Exercice)" ${drill}`);
    expect(() => parseRunArgs(['exercise', 'region=north'])).toThrow(`"exercise" ${drill}`);
    expect(() => parseRunArgs(['region=north', 'magnitude=6.8', 'TEST'])).toThrow(`"TEST" ${drill}`);
    // Quoted, the word is part of the value.
    expect(parseRunArgs(['region=north', 'place="Army', 'exercise', 'ground"']).params).toEqual({
      region: 'north',
      place: 'Army exercise ground',
    });
  });

  it('refuses an empty value naming its parameter, rather than read the next key as part of the value before', () => {
    const args = (line: string) => line.split(' ');
    expect(() => parseRunArgs(args('region=coast magnitude= casualties=true exercise=true'))).toThrow(
      'magnitude needs a value: write magnitude=… or leave it out (nothing was started).',
    );
    expect(() => parseRunArgs(args('region=coast magnitude='))).toThrow('magnitude needs a value');
    expect(() => parseRunArgs(args('region=coast place=""'))).toThrow('place needs a value');
    expect(() => parseRunArgs(args('region=coast place=“ ”'))).toThrow('place needs a value');
    // A space typed after "=" leaves the value where it was meant.
    expect(parseRunArgs(args('region=coast magnitude= 6.8')).params).toEqual({ region: 'coast', magnitude: '6.8' });
  });

  it('refuses a quote never closed, and reads a quoted value to its closing quote', () => {
    const args = (line: string) => line.split(' ');
    const unclosed = 'is not closed: close it after the value (place="…"), nothing was started.';
    expect(() => parseRunArgs(args('region=capital place="Central station exercise=true'))).toThrow(
      `The quote opened in place="Central station exercise=true ${unclosed}`,
    );
    expect(() => parseRunArgs(args('region=capital place=“Central station'))).toThrow(unclosed);
    expect(() => parseRunArgs(args('region=capital place="'))).toThrow(unclosed);
    // Within the quotes, "key=value" and drill words are the value's own words.
    expect(parseRunArgs(args('region=capital place="Gate B=North, test site" exercise=true'))).toEqual({
      params: { region: 'capital', place: 'Gate B=North, test site' },
      exercise: true,
    });
    expect(parseRunArgs(args("region=capital place='Old Town'")).params).toEqual({ region: 'capital', place: 'Old Town' });
    expect(parseRunArgs(args('region=capital place="Souk"')).params).toEqual({ region: 'capital', place: 'Souk' });
    // A drill word after the quote is closed is no longer in the value: refused, as anywhere else.
    expect(() => parseRunArgs(args('region=capital place="Army ground" exercise'))).toThrow('"exercise" on its own does not make a drill');
  });

  it('refuses a parameter given twice rather than run for one of them, and names __proto__ as a parameter', () => {
    expect(() => parseRunArgs(['region=north', 'region=coast'])).toThrow('region is given twice: give it once.');
    expect(() => parseRunArgs(['region=north', 'exercise=true', 'exercise=false'])).toThrow('exercise is given twice: give it once.');
    const { params } = parseRunArgs(['region=north', '__proto__=x']);
    expect(Object.keys(params)).toEqual(['region', '__proto__']);
    expect(() => resolveParams(pb, params, config)).toThrow('drill has no parameter __proto__');
    expect(() => resolveParams(pb, { region: 'north', constructor: 'x' }, config)).toThrow('drill has no parameter constructor');
  });
});

describe('when a run’s next step is due, as /runs says it', () => {
  it('gives the time alone today and the day with it on another day', () => {
    const now = Date.parse('2026-11-27T15:00:00Z');
    expect(dueText('2026-11-27T15:29:41.181Z', now)).toBe('15:29 UTC');
    expect(dueText('2026-12-03T09:00:00.000Z', now)).toBe('Thu 3 Dec 09:00 UTC');
    expect(dueText('2026-11-28T00:10:00.000Z', now)).toBe('Sat 28 Nov 00:10 UTC');
  });
});
