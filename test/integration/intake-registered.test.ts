import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

// Reports from citizens who registered (REGISTER): what the registry knows fills what the report lacks.
let app: TestApp;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

beforeAll(async () => {
  app = await startTestApp('intake-registered');
});
afterAll(async () => app.stop());

describe('a registered citizen’s report', () => {
  it('places a registered citizen’s report that says nowhere in their registered region, until the report tells where', async () => {
    const registered = aCitizen({ region: 'coast', language: 'fr' });
    await saveCitizens(app.deps, [registered]);
    await app.say(registered.phone, 'Mon mari est blessé, il saigne beaucoup');
    const id = incidentIdIn((await app.expectMessage(registered.phone, /Référence : INC-\d{4}/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    expect(card.text).toContain('Coastal Province (where registered)');
    expect(await getIncident(id)).toMatchObject({ region: 'coast', language: 'fr', links: { regionFrom: 'registration' } });
    // A pin says where they are now: it wins over the registration.
    await app.say(registered.phone, '', { location: { lat: 36.2, lng: 37.13 } });
    await waitFor(async () => (await getIncident(id)).region === 'north' || undefined);
    expect((await getIncident(id)).links.regionFrom).toBeUndefined();
    // One who says where they are is placed there, not where they registered.
    const travelling = aCitizen({ region: 'coast' });
    await saveCitizens(app.deps, [travelling]);
    await app.say(travelling.phone, 'Our car was stopped by gunmen near Damascus');
    const other = incidentIdIn((await app.expectMessage(travelling.phone, /Reference: INC-\d{4}/)).text);
    const placed = await getIncident(other);
    expect(placed.region).toBe('capital');
    expect(placed.links.regionFrom).toBeUndefined();
  });

  it('lets staff confirm the registered region: it is then known, and a later pin no longer moves it', async () => {
    const registered = aCitizen({ region: 'north' });
    await saveCitizens(app.deps, [registered]);
    await app.say(registered.phone, 'My wife is injured');
    const id = incidentIdIn((await app.expectMessage(registered.phone, /Reference: INC-\d{4}/)).text);
    expect((await getIncident(id)).links.regionFrom).toBe('registration');
    const confirmed = await app.api<Incident>('PATCH', `/api/incidents/${id}`, { region: 'north' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.links.regionFrom).toBeUndefined();
    expect(confirmed.body.timeline.at(-1)).toMatchObject({ type: 'region', text: 'confirmed (it was where the citizen registered)' });
    // Staff know better than a pin sent later (say, from a relative's phone location shared by mistake).
    await app.say(registered.phone, '', { location: { lat: 35.53, lng: 35.79 } });
    await waitFor(async () => (await getIncident(id)).timeline.some((e) => e.type === 'location') || undefined);
    expect((await getIncident(id)).region).toBe('north');
  });
});
