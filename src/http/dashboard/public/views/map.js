// Map of active incidents with a location pin; a list beside it works without tiles.
import { liveRefresh } from '../app.js';
import { el, oneAtATime } from '../dom.js';
import { badge, listIncidents } from './incidents-common.js';
import { pinMap } from './map-common.js';

export async function render(root) {
  let map;
  const draw = oneAtATime(async () => {
    let problem = '';
    const all = await listIncidents().catch((err) => {
      problem = `Incidents cannot load: ${err.message}`;
      return [];
    });
    const located = all.filter((i) => i.location);
    map?.remove();
    const node = el('div', { className: 'big-map', id: 'incidents-map' });
    root.replaceChildren(
      el('h1', {}, 'Map'),
      problem ? el('p', { className: 'error' }, problem) : '',
      el(
        'div',
        { className: 'grid map-layout' },
        node,
        el(
          'ul',
          { className: 'pins' },
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
        ),
      ),
    );
    map = await pinMap(
      node,
      located.map((i) => ({ ...i.location, label: `${i.id} · ${i.severity}`, severity: i.severity, href: `#/incident/${i.id}` })),
    );
  });
  const stop = liveRefresh((c) => c.type.startsWith('incident.'), draw, 500);
  await draw();
  return () => {
    stop();
    map?.remove();
  };
}
