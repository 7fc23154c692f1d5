import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/playbooks/commands.ts';
import { effectsUnavailable } from '../../src/playbooks/effects.ts';
import { PlaybooksFeature } from '../../src/playbooks/feature.ts';
import { loadPlaybookDir, PlaybookError, parsePlaybook } from '../../src/playbooks/loader.ts';
import { resolveParams } from '../../src/playbooks/params.ts';
import { startTestApp, testConfig } from '../fakes/test-app.ts';

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

  it('refuses to start the app on an invalid playbook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-'));
    try {
      writeFileSync(join(dir, 'drill.yaml'), GOOD.replace('due: 30m', 'due: 30 minutes'));
      const feature = new PlaybooksFeature(effectsUnavailable, { dir });
      await expect(startTestApp('pb-invalid', { options: { features: [feature] } })).rejects.toThrow(
        /drill\.yaml:\d+: steps\.3\.items\.0\.due: must be a duration/,
      );
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

  it('parses /run arguments', () => {
    expect(parseRunArgs(['region=north', 'exercise=true'])).toEqual({ params: { region: 'north' }, exercise: true });
    expect(() => parseRunArgs(['north'])).toThrow('"north" is not key=value.');
  });
});
