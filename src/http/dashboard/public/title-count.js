// The browser tab's title counts the incidents nobody has taken yet: "(3) Crisis cell — dashboard".
// A duty officer with the dashboard in a background tab (the phone rang, the mail is open) sees a new
// report arrive without looking at the page. Read again on every live change to an incident and on a
// (re)connected stream.
// API: GET /api/incidents/counts → {byStatus: {open: {critical: 2, high: 1, ...}, ...}}.
import { api } from './api.js';
import { debounced } from './dom.js';

const TITLE = 'Crisis cell — dashboard';

/** The title for `waiting` unacknowledged incidents. */
export function titleFor(waiting) {
  return waiting > 0 ? `(${waiting}) ${TITLE}` : TITLE;
}

/** Keeps the tab's title counting open incidents; `subscribe` adds a listener for the whole session. */
export function startTitleCount(subscribe) {
  const refresh = debounced(async () => {
    try {
      const { byStatus } = await api('GET', '/api/incidents/counts');
      const waiting = Object.values(byStatus?.open ?? {}).reduce((a, b) => a + Number(b || 0), 0);
      document.title = titleFor(waiting);
    } catch {
      // Unreachable for now: the title keeps its last count until the next change reads it again.
    }
  }, 500);
  subscribe((c) => {
    if (c.type === 'resync' || String(c.type).startsWith('incident.')) refresh();
  });
  refresh();
}
