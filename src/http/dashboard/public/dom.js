// Tiny DOM helpers: build elements without innerHTML (no injection of data into markup).

/** el('div', {className: 'x', onclick}, child, 'text', ...) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node && k !== 'list' && k !== 'form') node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false || c === '') continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/**
 * Formats an ISO time as a short local time with its zone ("09:53 GMT+1"; with the day, month
 * spelled out, when not today). The zone is always shown: the cell's chat speaks UTC (sitrep, /runs),
 * the officer's browser may be at home or in the crisis country, and a bare "09:53" is read wrongly.
 */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  const time = { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  return today ? d.toLocaleTimeString([], time) : d.toLocaleString([], { day: 'numeric', month: 'short', year: 'numeric', ...time });
}

/**
 * An ISO time in full, for a record read later (the audit trail): the date, the time to the second
 * and the zone, whatever the day ("27 Nov 2026, 09:53:07 GMT+1").
 */
export function stamp(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString([], {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

/**
 * "5 min ago"; "just now" under 5 s, and for a time ahead of the browser's clock: an officer's laptop
 * a little behind the server (no network time on the crisis country's network) read "-120s ago".
 */
export function ago(iso) {
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return '';
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * Calls fn `ms` after a call, once for all the calls made meanwhile: at most once per `ms`, however
 * steady the calls. `ms` may be a function, asked each time the timer is armed.
 */
export function debounced(fn, ms) {
  // Not reset by later calls: a flood brings a change every few milliseconds, and a timer reset by
  // each would never fire (the board stood still for as long as the flood lasted). The first call
  // of a burst arms it; every call until it fires is served by that one run.
  let timer;
  const call = () => {
    timer ??= setTimeout(
      () => {
        timer = undefined;
        fn();
      },
      typeof ms === 'function' ? ms() : ms,
    );
  };
  call.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return call;
}

/**
 * Serialises a view's redraws: never two at once, or a slower, older fetch could paint over a newer
 * one (an officer's own action, then the page showing the incident as it was before it). A redraw
 * asked for while one runs is run once after it; each caller resolves once a redraw that started
 * after its call has painted.
 */
export function oneAtATime(draw) {
  let running;
  let queued;
  const run = () => {
    running = draw().finally(() => {
      running = undefined;
    });
    return running;
  };
  return function redraw() {
    if (!running && !queued) return run();
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return run();
      });
    return queued;
  };
}

/**
 * Where the keyboard is in `root`, on an element of a row that carries a data-id (an incident's link
 * or its Acknowledge button), to give it back after a redraw: call before replacing the rows, call
 * what it returns after. On a busy night every new incident redrew the board, and an officer moving
 * through it with Tab was sent back to the top of the page at each one.
 */
export function keepFocus(root) {
  const active = document.activeElement;
  const row = active && active !== root && root.contains(active) ? active.closest('[data-id]') : null;
  if (!row || !root.contains(row)) return () => {};
  const rowSelector = `[data-id="${CSS.escape(row.dataset.id)}"]`;
  const selector =
    active === row
      ? rowSelector
      : `${rowSelector} ${active.tagName.toLowerCase()}${[...active.classList].map((c) => `.${CSS.escape(c)}`).join('')}`;
  // The same incident can be in several sections (escalated, unassigned, all): the same one of them.
  const nth = [...root.querySelectorAll(selector)].indexOf(active);
  return () => {
    const now = document.activeElement;
    if (now && now !== document.body && now.isConnected) return;
    const same = [...root.querySelectorAll(selector)];
    // Its button gone (acknowledged): the incident's link in that row.
    const target = same[Math.min(nth, same.length - 1)] ?? root.querySelectorAll(`${rowSelector} a`)[0];
    target?.focus({ preventScroll: true });
  };
}

/** Confirmations asked and not yet answered, by action: they outlive the view's live redraws. */
const asking = new Map();
globalThis.addEventListener?.('hashchange', () => asking.clear());

/**
 * A button for an action that cannot be undone and reaches many people (stop an alert, a check, a
 * run). The first press only asks, in the page: "Keep …" where the button was (a double tap lands
 * there), "Confirm: …" after it, and the question under them. Escape keeps. Focus moves into the question,
 * so a screen reader reads it. `key` names the action ("alert:ALR-0007:cancel"): a question still
 * open is drawn again by the view's next redraw, focus included. `run` gets the Confirm click.
 */
export function confirmable({ key, label, ariaLabel, className, question, keepLabel, confirmLabel, run }) {
  const box = el('span', { className: 'confirmable' });
  const keep = () => {
    asking.delete(key);
    draw();
    box.querySelector('button')?.focus();
  };
  const draw = () => {
    if (!asking.has(key)) {
      const ask = () => {
        asking.set(key, 'keep');
        draw();
        box.querySelector('.act-keep')?.focus();
      };
      box.replaceChildren(el('button', { type: 'button', className, onclick: ask, 'aria-label': ariaLabel }, label));
      return;
    }
    const questionId = `confirm-${key.replace(/[^\w-]/g, '-')}`;
    // Which of its buttons had focus: a redraw gives it back, unless the officer moved on.
    const remember = (which) => () => asking.has(key) && asking.set(key, which);
    const onblur = (e) => {
      if (asking.has(key) && e.target.isConnected && !box.contains(e.relatedTarget)) asking.set(key, 'none');
    };
    const onkeydown = (e) => {
      if (e.key === 'Escape') keep();
    };
    const keepButton = el(
      'button',
      { type: 'button', className: 'act-keep', onclick: keep, onfocus: remember('keep'), onblur, onkeydown },
      keepLabel,
    );
    const confirmButton = el(
      'button',
      {
        type: 'button',
        className: `${className} act-confirm`,
        onfocus: remember('confirm'),
        onblur,
        onkeydown,
        onclick: async (e) => {
          asking.delete(key);
          await run(e);
          if (box.isConnected && !asking.has(key)) draw();
        },
      },
      confirmLabel,
    );
    box.replaceChildren(
      el(
        'span',
        { className: 'confirm-step', role: 'group', 'aria-labelledby': questionId },
        keepButton,
        confirmButton,
        el('strong', { id: questionId, className: 'confirm-question' }, question),
      ),
    );
    const focused = { keep: keepButton, confirm: confirmButton }[asking.get(key)];
    queueMicrotask(() => {
      const lost = !document.activeElement || document.activeElement === document.body;
      if (focused?.isConnected && lost) focused.focus();
    });
  };
  draw();
  return box;
}
