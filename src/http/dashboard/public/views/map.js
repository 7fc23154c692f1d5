// Map of active incidents with a location pin; a list beside it works without tiles.
import { liveRefresh } from '../app.js';
import { el, oneAtATime } from '../dom.js';
import { badge, listIncidents } from './incidents-common.js';
import { pinMap, setPins } from './map-common.js';

export async function render(root) {
  let map;
  const node = el('div', { className: 'big-map', id: 'incidents-map' });
  const problem = el('p', { className: 'error', hidden: true });
  const list = el('ul', { className: 'pins' });
  // Drawn once: a live change updates the pins and the list, the map stays where the officer moved it.
  root.replaceChildren(el('h1', {}, 'Map'), problem, el('div', { className: 'grid map-layout' }, node, list));
  const draw = oneAtATime(async () => {
    problem.hidden = true;
    const all = await listIncidents().catch((err) => {
      problem.textContent = `Incidents cannot load: ${err.message}`;
      problem.hidden = false;
      return [];
    });
    const located = all.filter((i) => i.location);
    list.replaceChildren(
      ...located.map((i) =>
        el(
          'li',
          {},
          el('a', { href: `#/incident/${encodeURIComponent(i.id)}` }, i.id),
          ' ',
          badge('sev', i.severity),
          ` ${i.location.name ?? ''} (${i.location.lat.toFixed(3)}, ${i.location.lng.toFixed(3)})`,
        ),
      ),
      located.length ? '' : el('li', { className: 'muted' }, 'No active incident has a location.'),
    );
    const pins = located.map((i) => ({
      ...i.location,
      label: `${i.id} · ${i.severity}`,
      severity: i.severity,
      href: `#/incident/${i.id}`,
    }));
    if (map) setPins(map, pins);
    else map = await pinMap(node, pins);
  });
  const stop = liveRefresh((c) => c.type.startsWith('incident.'), draw, 500);
  await draw();
  return () => {
    stop();
    map?.remove();
  };
}
