/** Slack on the window, for the time between counting a send and the transport starting it. */
const MARGIN_MS = 1;

const NO_CHECK = async () => true;

interface Waiting {
  priority: number;
  /** A last look taken in the send's own turn, just before it is counted: false skips the send. */
  check(): Promise<boolean>;
  go(): void;
  skip(): void;
}

/**
 * The send limiter of the outbound worker: never more than `max` sends in any sliding window of
 * `duration` ms. BullMQ's limiter counts per fixed window and when a job starts, not when it is
 * sent, so a burst at the end of one window and one at the start of the next can put up to twice
 * the limit in one second; WhatsApp bans numbers that burst. Sends are also spread over the
 * window: at most a tenth of `max` in any tenth of it.
 *
 * It remembers the times of the last `max` sends (a number is sent from by one gateway process,
 * so the limit holds in memory) and lets waiting sends go one at a time, as soon as both windows
 * allow, the most urgent first (BullMQ's order: no priority, then the lowest number), in arrival
 * order within a priority: a citizen's reply never waits behind the alerts already waiting here.
 */
export class SendLimiter {
  /** Times of the last `max` sends, a ring whose oldest entry is at `next`. */
  private readonly sent: number[];
  private next = 0;
  /** Sends allowed in any `burstWindow` ms. */
  private readonly burst: number;
  private readonly burstWindow: number;
  private readonly waiting: Waiting[] = [];
  private pumping = false;

  /**
   * @param max sends allowed in any sliding window of `duration` ms (at least 1).
   * @param duration the window, in ms.
   * @param clock a monotonic clock in ms.
   */
  constructor(
    private readonly max: number,
    private readonly duration: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.sent = new Array<number>(max).fill(Number.NEGATIVE_INFINITY);
    this.burst = Math.max(1, Math.ceil(max / 10));
    this.burstWindow = (duration * this.burst) / max;
  }

  /**
   * Calls `send` as soon as the limit allows and resolves with its result. The send is counted
   * in the same tick as the call, so the count is of the sends themselves.
   */
  run<T>(send: () => Promise<T>, priority = 0): Promise<T> {
    return this.runChecked(NO_CHECK, send, priority) as Promise<T>;
  }

  /**
   * As `run`, with a last look first: when the limit allows, `check` runs (the other waiting
   * sends wait for it), and only if it says yes is the send counted and started. Resolves
   * undefined when the check said no; a check that fails fails this send alone. The count stays
   * that of the sends themselves, however long the check took.
   */
  runChecked<T>(check: () => Promise<boolean>, send: () => Promise<T>, priority = 0): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const waiting: Waiting = {
        priority,
        check: () =>
          check().catch((err) => {
            reject(err);
            return false;
          }),
        go: () => {
          try {
            resolve(send());
          } catch (err) {
            reject(err);
          }
        },
        skip: () => resolve(undefined),
      };
      const at = this.waiting.findIndex((w) => w.priority > priority);
      this.waiting.splice(at === -1 ? this.waiting.length : at, 0, waiting);
      void this.pump();
    });
  }

  /** Lets the waiting sends go one by one (the most urgent first), sleeping while the limit is reached. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length) {
        const wait = this.earliest() - this.clock();
        if (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
          continue;
        }
        const w = this.waiting.shift() as Waiting;
        if (!(await w.check())) {
          w.skip();
          continue;
        }
        this.sent[this.next] = this.clock();
        this.next = (this.next + 1) % this.max;
        w.go();
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The earliest time the next send may go: a window after the max-th last send (and a little
   * more: the transport stamps a send a few microseconds after it was counted), and a tenth of
   * a window after the burst-th last one.
   */
  private earliest(): number {
    const oldest = this.sent[this.next] as number;
    const burstStart = this.sent[(this.next + this.max - this.burst) % this.max] as number;
    return Math.max(oldest + this.duration + MARGIN_MS, burstStart + this.burstWindow);
  }
}
