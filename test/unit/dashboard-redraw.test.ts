import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error: the dashboard's browser modules are plain JavaScript without types
import { debounced, oneAtATime } from '../../src/http/dashboard/public/dom.js';

/** A view whose fetches answer when the test says, painting what each fetch saw. */
function fakeView() {
  let state = 'before';
  const answers: (() => void)[] = [];
  const painted: string[] = [];
  let running = 0;
  let overlapped = false;
  const draw = oneAtATime(async () => {
    running += 1;
    if (running > 1) overlapped = true;
    const seen = state;
    await new Promise<void>((r) => answers.push(r));
    painted.push(seen);
    running -= 1;
  });
  return {
    draw: draw as () => Promise<void>,
    painted,
    answers,
    set: (s: string) => {
      state = s;
    },
    overlapped: () => overlapped,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('dashboard redraws', () => {
  it('never paint an older fetch over a newer one: the page ends on the state after the last change', async () => {
    const view = fakeView();
    const live = view.draw(); // a live update starts a redraw: it fetches the incident as it was
    view.set('resolved'); // the officer's own action lands
    const own = view.draw(); // and the action redraws
    const another = view.draw(); // a second live update while both wait
    // The network answers the newest fetch first, the older one last, until all have answered.
    while (view.answers.length > 0) {
      view.answers.pop()?.();
      await tick();
    }
    await Promise.all([live, own, another]);
    expect(view.painted).toEqual(['before', 'resolved']);
    expect(view.painted.at(-1)).toBe('resolved');
    expect(view.overlapped()).toBe(false);
  });

  it('keeps redrawing after a failed redraw', async () => {
    let calls = 0;
    const draw = oneAtATime(async () => {
      calls += 1;
      if (calls === 1) throw new Error('network down');
    }) as () => Promise<void>;
    const first = draw();
    const second = draw();
    await expect(first).rejects.toThrow('network down');
    await second;
    expect(calls).toBe(2);
  });

  it('never runs two at once, even when asked again in the moment one ends and the queued one starts', async () => {
    let running = 0;
    let most = 0;
    const draw = oneAtATime(async () => {
      running += 1;
      most = Math.max(most, running);
      await tick();
      running -= 1;
    }) as () => Promise<void>;
    const first = draw();
    const queued = draw();
    const late = first.then(() => draw());
    await Promise.all([first, queued, late]);
    expect(most).toBe(1);
  });
});

describe('live refresh under a flood', () => {
  it('refreshes at least once per period while changes keep coming every few milliseconds', () => {
    vi.useFakeTimers();
    try {
      let refreshes = 0;
      const later = debounced(() => {
        refreshes += 1;
      }, 250);
      // Two seconds of a flood: a change every 5 ms.
      for (let t = 0; t < 2_000; t += 5) {
        later();
        vi.advanceTimersByTime(5);
      }
      expect(refreshes).toBeGreaterThanOrEqual(7);
      expect(refreshes).toBeLessThanOrEqual(8);
      // The last change of the flood is still served, once.
      vi.advanceTimersByTime(1_000);
      const settled = refreshes;
      later();
      vi.advanceTimersByTime(250);
      expect(refreshes).toBe(settled + 1);
      later.cancel();
    } finally {
      vi.useRealTimers();
    }
  });
});
