// One incident: facts, timeline, location pin, and the actions a duty officer takes.
// API: GET /api/incidents/:id; PATCH {status?, severity?, category?, region?, assignee?, text?};
// POST /api/incidents/:id/notes {text}. Timeline entries are {at, actor, channel, type, text?, data?}.
import { api, assignableStaff, keyFor, myPhoneNumber, regionName, staffName } from '../api.js';
import { guarded, onChange, toast } from '../app.js';
import { el, oneAtATime, when } from '../dom.js';
import { summaryOf } from './audience.js';
import { badge, CATEGORIES, canChange, escalationBadge, SEVERITIES } from './incidents-common.js';
import { pinMap, setPins } from './map-common.js';

const words = (s) => String(s ?? '').replace(/[._]/g, ' ');

/** The structured part of a timeline entry in a few words: "open → acknowledged", "assignee: Ana". */
export function describeData(data) {
  if (!data || typeof data !== 'object') return '';
  if ('from' in data && 'to' in data) return `${words(data.from ?? 'none')} → ${words(data.to ?? 'none')}`;
  return (
    Object.entries(data)
      // `key` is the request a change came from (lifecycle.ts: a retry changes nothing twice), for the
      // server only: shown, every note and assignment made here read "key: api:7849…".
      .filter(([k, v]) => k !== 'key' && (v === null || ['string', 'number', 'boolean'].includes(typeof v)))
      .map(([k, v]) => `${k}: ${v ?? 'none'}`)
      .join(', ')
  );
}

/**
 * What an entry says about itself: for the citizen's edit or delete of a message, which entry it
 * changes ("the details of 14:02"), instead of a message id and an index.
 */
export function describeEntry(entry, items) {
  if (entry.type === 'message') return 'to the reporter, on WhatsApp';
  if (entry.type === 'undelivered') return '⚠️ WhatsApp did not deliver it';
  const target =
    (entry.type === 'edited' || entry.type === 'deleted') && Number.isInteger(entry.data?.entry) ? items[entry.data.entry] : undefined;
  if (!target) return describeData(entry.data);
  const what = `the ${ENTRY_NAMES[target.type] ?? words(target.type)} of ${when(target.at)}`;
  return entry.type === 'edited' ? `new wording of ${what}` : `${what}, deleted in WhatsApp (kept here)`;
}

/** How a citizen's entry is named when another entry points at it. */
const ENTRY_NAMES = { reported: 'report', details: 'details', location: 'location pin', media: 'attachment' };

function timeline(items) {
  if (!items.length) return el('p', { className: 'muted' }, 'Nothing recorded yet.');
  return el(
    'ol',
    { className: 'timeline' },
    ...items.map((t) => {
      const about = describeEntry(t, items);
      return el(
        'li',
        { className: `tl-${t.type}` },
        el('time', { dateTime: t.at }, when(t.at)),
        el('strong', {}, ` ${words(t.type)} `),
        about ? el('span', {}, `${about} `) : '',
        el('span', { className: 'muted' }, `${t.actor} · ${t.channel}`),
        // dir auto: an Arabic report reads right to left, an English one left to right.
        t.text ? el('p', { dir: 'auto' }, t.text) : '',
      );
    }),
  );
}

const select = (name, values, current, label = words) =>
  el('select', { name, 'aria-label': words(name) }, ...values.map((v) => el('option', { value: v, selected: v === current }, label(v))));

/** Acknowledge, in progress, resolve (with what was done), reopen, close: only the moves the API allows. */
function statusRow(i, act) {
  const resolution = el('input', {
    name: 'resolution',
    // Free text, perhaps in Arabic: laid out in the direction of what is typed, as the report is.
    dir: 'auto',
    placeholder: 'What was done (optional)',
    'aria-label': 'What was done (optional)',
    maxLength: 4000,
  });
  const button = (label, to, className = '', extra = () => ({})) =>
    el('button', { type: 'button', className, onclick: (e) => act({ status: to, ...extra() }, words(to), e) }, label);
  const open = ['open', 'acknowledged', 'in_progress'].includes(i.status);
  return el(
    'div',
    { className: 'row' },
    i.status === 'open' ? button('Acknowledge', 'acknowledged', 'primary act-ack') : '',
    ['open', 'acknowledged'].includes(i.status) ? button('In progress', 'in_progress', 'act-progress') : '',
    open ? resolution : '',
    open ? button('Resolve', 'resolved', 'act-resolve', () => (resolution.value.trim() ? { text: resolution.value.trim() } : {})) : '',
    i.status === 'resolved' ? button('Reopen', 'in_progress', 'act-reopen') : '',
    i.status === 'resolved' ? button('Close', 'closed', 'act-close') : '',
  );
}

/**
 * `refused`: the last assignment the API refused ({typed, message}), said beside the field, which
 * holds the incident's real assignee again: the refused phone left in it read as the assignee.
 */
function assignRow(i, act, refused) {
  // Staff are picked by name (the roster's officers are offered as the officer types); a phone still works.
  const staff = assignableStaff();
  const who = el('input', {
    name: 'assignee',
    type: 'text',
    dir: 'auto',
    placeholder: 'Staff name or phone',
    'aria-label': 'Staff member to assign (name or phone)',
    'aria-invalid': refused ? 'true' : undefined,
    'aria-describedby': refused ? 'assign-error' : undefined,
    value: i.assignee ? staffName(i.assignee) : '',
    list: 'assignable-staff',
    autocomplete: 'off',
  });
  const options = el('datalist', { id: 'assignable-staff' }, ...staff.map((s) => el('option', { value: s.name, label: s.phone })));
  const assignTo = (e) => {
    const typed = who.value.trim();
    const named = staff.find((s) => s.name.toLowerCase() === typed.toLowerCase());
    const value = named?.phone ?? typed.replace(/[\s-]/g, '');
    if (!/^\+[1-9]\d{6,14}$/.test(value))
      return toast('Pick a staff member from the list, or give their phone in international form, e.g. +15550000001', 'error');
    return act({ assignee: value }, `assigned to ${staffName(value)}`, e);
  };
  const me = myPhoneNumber();
  const row = el(
    'div',
    { className: 'row' },
    who,
    options,
    el('button', { type: 'button', className: 'act-assign', onclick: assignTo }, 'Assign'),
    me && i.assignee !== me
      ? el(
          'button',
          { type: 'button', className: 'act-assign-me', onclick: (e) => act({ assignee: me }, 'assigned to you', e) },
          'Assign to me',
        )
      : '',
    i.assignee
      ? el('button', { type: 'button', className: 'act-unassign', onclick: (e) => act({ assignee: null }, 'unassigned', e) }, 'Unassign')
      : '',
  );
  if (!refused) return row;
  const now = i.assignee ? `still assigned to ${staffName(i.assignee)}` : 'still unassigned';
  return [
    row,
    el(
      'p',
      { className: 'error assign-error', id: 'assign-error', role: 'alert' },
      `Not assigned to ${refused.typed}: ${refused.message}. ${i.id} is ${now}.`,
    ),
  ];
}

function triageRow(i, regions, act) {
  const severity = select('severity', SEVERITIES, i.severity);
  const category = select('category', CATEGORIES, i.category);
  const region = select('region', i.region ? regions : ['', ...regions], i.region ?? '', (v) => (v ? regionName(v) : 'region unknown'));
  const change = (e) => {
    const body = {};
    if (severity.value !== i.severity) body.severity = severity.value;
    if (category.value !== i.category) body.category = category.value;
    if (region.value && region.value !== i.region) body.region = region.value;
    if (!Object.keys(body).length) return toast('Nothing changed', 'info');
    return act(body, 'triage changed', e);
  };
  return el(
    'div',
    { className: 'row' },
    severity,
    category,
    region,
    el('button', { type: 'button', className: 'act-triage', onclick: change }, 'Change triage'),
  );
}

/**
 * Write to the citizen from the embassy number (POST /messages): their answer joins the report, or,
 * once it is over, opens a new one naming it (and the officer who wrote is told).
 */
function messageRow(i, act) {
  if (!i.reporter) return '';
  const over = i.status === 'resolved' || i.status === 'closed';
  const message = el('textarea', {
    name: 'message',
    rows: 2,
    dir: 'auto',
    placeholder: over
      ? `Write to the reporter on WhatsApp: this report is ${i.status}, so their answer opens a new report naming it`
      : 'Write to the reporter on WhatsApp (they can answer)',
    'aria-label': 'Message to the reporter',
    maxLength: 2000,
  });
  const send = (e) =>
    message.value.trim()
      ? act({ message: message.value.trim() }, 'message sent to the reporter', e)
      : toast('The message is empty', 'error');
  return el(
    'div',
    { className: 'row' },
    message,
    el('button', { type: 'button', className: 'act-message', onclick: send }, 'Send to reporter'),
  );
}

function actions(i, regions, act, refused) {
  if (!canChange()) return '';
  const note = el('textarea', {
    name: 'note',
    rows: 2,
    dir: 'auto',
    placeholder: 'Add a note to the timeline',
    'aria-label': 'Note',
    maxLength: 4000,
  });
  const addNote = (e) => (note.value.trim() ? act({ note: note.value.trim() }, 'note added', e) : toast('The note is empty', 'error'));
  return el(
    'section',
    { className: 'card actions' },
    el('h2', {}, 'Actions'),
    statusRow(i, act),
    assignRow(i, act, refused),
    triageRow(i, regions, act),
    el('div', { className: 'row' }, note, el('button', { type: 'button', className: 'act-note', onclick: addNote }, 'Add note')),
    messageRow(i, act),
  );
}

/** "Chloe Officer (+15550000003)": the name staff know, and the phone to call; the phone alone when not rostered. */
/** A phone to call with one tap from a phone (the welfare check's non-responders are listed so too). */
const call = (phone) => el('a', { href: `tel:${phone}`, className: 'tel' }, phone);

const withPhone = (phone) => (staffName(phone) === phone ? call(phone) : el('span', {}, `${staffName(phone)} (`, call(phone), ')'));

/** A link to another record as a fact: the welfare check a HELP answer came from opens that check. */
function link(kind, value) {
  if (kind === 'welfareCheck' && /^WFC-\d{4,}$/.test(value))
    return ['Welfare check', el('a', { href: `#/welfare/${encodeURIComponent(value)}`, className: 'welfare-link' }, value)];
  return [words(kind), value];
}

function facts(i) {
  const rows = [
    ['Category', words(i.category)],
    ['Region', i.region ? regionName(i.region) : 'unknown'],
    ['Reporter', i.reporter ? call(i.reporter) : 'erased'],
    ['Language', i.language],
    ['Came in by', i.channel],
    ['Assignee', i.assignee ? withPhone(i.assignee) : 'unassigned'],
    ['Reported', when(i.createdAt)],
    ['Acknowledged', when(i.acknowledgedAt)],
    // Only while it is: a reopened incident read "Resolved 06:41" beside IN PROGRESS.
    ['Resolved', i.status === 'resolved' || i.status === 'closed' ? when(i.resolvedAt) : ''],
    ...Object.entries(i.links ?? {}).map(([k, v]) => link(k, v)),
  ];
  return el('dl', { className: 'facts' }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function location(i) {
  const where = i.location ? el('div', { className: 'mini-map', id: 'incident-map' }) : el('p', { className: 'muted' }, 'No location pin.');
  const caption = i.location
    ? el('p', { className: 'muted' }, `${i.location.name ? `${i.location.name} · ` : ''}${i.location.lat}, ${i.location.lng}`)
    : '';
  return { where, section: el('section', { className: 'card' }, el('h2', {}, 'Location'), where, caption) };
}

/** The fields each kind of action reads: cleared once it succeeded, kept while someone types elsewhere. */
function fieldsOf(change) {
  if (change.note !== undefined) return ['note'];
  if (change.message !== undefined) return ['message'];
  // Acknowledge and In progress do not send the resolution: what was typed there waits for Resolve.
  if (change.status) return change.text !== undefined ? ['resolution'] : [];
  if (change.assignee !== undefined) return ['assignee'];
  return ['severity', 'category', 'region'];
}

/**
 * What the officer typed or picked in the action fields and has not submitted yet, and where they
 * were typing: a live update redraws the page (someone else acted) without losing either.
 */
function draftKeeper(root) {
  const drafts = new Map();
  const keep = (e) => {
    if (e.target.name && e.target.closest('.actions')) drafts.set(e.target.name, e.target.value);
  };
  root.addEventListener('input', keep);
  root.addEventListener('change', keep);
  return {
    /**
     * The action field being typed in, or the action button the keyboard is on, to give it back after
     * the redraw (else the next keys go nowhere, and Tab starts again from the top of the page).
     */
    focused() {
      const a = document.activeElement;
      if (!a || !root.contains(a) || !a.closest('.actions')) return undefined;
      if (a.name) return { name: a.name, start: a.selectionStart, end: a.selectionEnd };
      const button = a.tagName === 'BUTTON' ? [...a.classList].find((c) => c.startsWith('act-')) : undefined;
      return button ? { button } : undefined;
    },
    restore(focus) {
      for (const [name, value] of drafts) {
        const control = root.querySelector(`.actions [name="${name}"]`);
        if (control) control.value = value;
      }
      if (focus?.button) {
        root.querySelector(`.actions button.${focus.button}`)?.focus();
        return;
      }
      const control = focus && root.querySelector(`.actions [name="${focus.name}"]`);
      if (!control) return;
      control.focus();
      if (typeof control.setSelectionRange === 'function' && focus.start !== null) control.setSelectionRange(focus.start, focus.end);
    },
    done(names) {
      for (const n of names) drafts.delete(n);
    },
    stop() {
      root.removeEventListener('input', keep);
      root.removeEventListener('change', keep);
    },
  };
}

export async function render(root, [id]) {
  const path = `/api/incidents/${encodeURIComponent(id)}`;
  const regions = canChange() ? Object.keys((await summaryOf()).byRegion) : [];
  const drafts = draftKeeper(root);
  /**
   * The message to the reporter, the note and the change in flight, each with its Idempotency-Key
   * (keyFor): the same words or change sent again after a lost answer are done once.
   */
  const sending = {};
  const noting = {};
  const changing = {};
  /** The location map, its element and the place it shows: kept across redraws while the pin stays put. */
  let map;
  let mapNode;
  let mapAt;
  let left = false;
  /** The last assignment refused, shown beside the assign field until the next one goes through. */
  let refused;
  /**
   * Actions whose request runs. Their buttons are disabled while it does (whileBusy), but a live
   * update landing meanwhile (the change itself, published before its answer came back on a slow
   * line) redrew them enabled, the note still in its box: the second click of a double click added
   * the note twice. A redraw keeps the action buttons disabled until every request ended.
   */
  let acting = 0;
  const holdButtons = () => {
    for (const b of root.querySelectorAll('.actions button')) {
      b.disabled = acting > 0;
      b.toggleAttribute('aria-busy', acting > 0);
    }
  };
  /**
   * The incident's id as the API spells it: an address typed "#/incident/inc-0004" loads INC-0004,
   * whose live changes name it "INC-0004" (the page never followed them).
   */
  let known = String(id).toUpperCase();
  const draw = oneAtATime(async () => {
    const i = await api('GET', path);
    if (left) return;
    if (i.id) known = i.id;
    // The address says it as the API does (a link copied from it, Back): without a new navigation.
    if (i.id && i.id !== id && window.location.hash === `#/incident/${encodeURIComponent(id)}`)
      history.replaceState(history.state, '', `#/incident/${encodeURIComponent(i.id)}`);
    const act = guarded(async (change, done) => {
      const from = drafts.focused();
      acting++;
      try {
        await apply(change, done);
      } finally {
        acting--;
        holdButtons();
        // Redrawn while its button was disabled: the keyboard goes back to it (or stays where it went).
        if (from?.button && (!document.activeElement || document.activeElement === document.body)) drafts.restore(from);
      }
    });
    const apply = async (change, done) => {
      try {
        if (change.note !== undefined) {
          await api('POST', `${path}/notes`, { text: change.note }, { idempotencyKey: keyFor(noting, change) });
          noting.sent = undefined;
        } else if (change.message !== undefined) {
          // The same words sent again after a lost answer carry the same key: the citizen gets them once.
          await api('POST', `${path}/messages`, { text: change.message }, { idempotencyKey: keyFor(sending, change) });
          sending.sent = undefined;
        } else {
          await api('PATCH', path, change, { idempotencyKey: keyFor(changing, change) });
          changing.sent = undefined;
        }
      } catch (err) {
        if (change.assignee === undefined) throw err;
        // The field goes back to who really has it; the refusal is said next to it (and in the toast).
        refused = { typed: change.assignee ? staffName(change.assignee) : 'nobody', message: err.message.replace(/\.$/, '') };
        drafts.done(['assignee']);
        await draw();
        throw err;
      }
      if (change.assignee !== undefined) refused = undefined;
      drafts.done(fieldsOf(change));
      toast(`${i.id} ${done}`);
      await draw();
    };
    const { where, section } = location(i);
    // The officer zoomed in on the street: a redraw (the citizen wrote again) keeps the map as they left it.
    const at = i.location ? `${i.location.lat},${i.location.lng}` : '';
    const pins = i.location ? [{ ...i.location, label: i.id, severity: i.severity }] : [];
    if (map && at === mapAt) {
      where.replaceWith(mapNode);
      setPins(map, pins);
    } else {
      map?.remove();
      map = undefined;
    }
    const focus = drafts.focused();
    root.replaceChildren(
      el('p', {}, el('a', { href: '#/board' }, '← Board')),
      el('h1', {}, `Incident ${i.id} `, badge('sev', i.severity), ' ', badge('status', i.status), ' ', escalationBadge(i)),
      el('p', { className: 'lead', dir: 'auto' }, i.summary ?? ''),
      facts(i),
      actions(i, regions, act, refused),
      section,
      el('section', { className: 'card' }, el('h2', {}, 'Timeline'), timeline(i.timeline ?? [])),
    );
    drafts.restore(focus);
    if (acting) holdButtons();
    if (i.location && !map) {
      map = await pinMap(where, pins, 13);
      mapNode = where;
      mapAt = at;
    }
  });
  // Listening before the first read: a change made while it loads is drawn, not missed.
  onChange((c) => {
    if (c.type === 'resync' || ((c.id === known || c.id === id) && c.type.startsWith('incident.')))
      draw().catch((err) => toast(err.message, 'error'));
  });
  await draw();
  return () => {
    left = true;
    drafts.stop();
    map?.remove();
  };
}
