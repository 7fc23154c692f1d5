/** A task waiting for its key's turn, in the order of `seq`. */
interface Waiting {
  seq: number;
  start: () => void;
}

/** One key's tasks: the one running, and those waiting (lowest `seq` first). */
interface Line {
  running: boolean;
  scheduled: boolean;
  waiting: Waiting[];
}

/** Where an item of `seq` goes in a list sorted by seq: after every item of the same or a lower seq. */
function sortedIndex(items: readonly { seq: number }[], seq: number): number {
  let i = items.length;
  while (i > 0 && (items[i - 1] as { seq: number }).seq > seq) i--;
  return i;
}

/**
 * Runs tasks one after another per key, in the order of their `seq` (the order the messages were
 * received), and tasks of different keys alongside each other.
 *
 * A worker can be handed two jobs in one turn of the event loop in the opposite order to the
 * queue's (BullMQ resolves jobs fetched by different slots through promise chains of different
 * lengths): a key's next task starts on the next turn (setImmediate), once every task handed over
 * in this one has taken its place.
 */
export class InOrder {
  private readonly lines = new Map<string, Line>();

  run<T>(key: string | undefined, task: () => Promise<T>, seq = 0): Promise<T> {
    if (key === undefined) return task();
    const line = this.lines.get(key) ?? { running: false, scheduled: false, waiting: [] };
    this.lines.set(key, line);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            line.running = false;
            this.schedule(key, line);
          });
      };
      line.waiting.splice(sortedIndex(line.waiting, seq), 0, { seq, start });
      this.schedule(key, line);
    });
  }

  private schedule(key: string, line: Line): void {
    if (line.running || line.scheduled) return;
    if (line.waiting.length === 0) {
      if (this.lines.get(key) === line) this.lines.delete(key);
      return;
    }
    line.scheduled = true;
    // Only this turn takes tasks out of `waiting`, and it was not empty when scheduled.
    setImmediate(() => {
      line.scheduled = false;
      line.running = true;
      (line.waiting.shift() as Waiting).start();
    });
  }

  /** Tasks of `key` running or waiting their turn. */
  pending(key: string): number {
    const line = this.lines.get(key);
    return line ? line.waiting.length + (line.running ? 1 : 0) : 0;
  }

  /** The highest `seq` of the tasks of `key` that have not started yet, if any. */
  lastWaiting(key: string): number | undefined {
    return this.lines.get(key)?.waiting.at(-1)?.seq;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.lines.size;
  }
}

/** A job set aside until its sender's earlier messages are handled. */
interface Parked {
  id: string;
  seq: number;
  /** When it is due back. */
  due: number;
  /** The turn of the event loop in which a job due after it came back first. */
  passedIn?: number;
}

/**
 * Keeps one sender from taking every slot of a worker. Their messages are handled one at a time
 * (InOrder), so each message of theirs the worker holds waits in a slot that another citizen's
 * HELP could use. A sender holds at most `maxHeld` slots: their next messages are parked (delayed
 * jobs) and taken back in the order they were received, the earliest first, as their turn comes.
 * Parked messages are spread out (`maxHeld` per `parkMs` of delay), so a flood comes back a slice
 * at a time instead of all at once.
 *
 * A parked job that is not back when one due after it is (another worker process took it, or it
 * was removed), or not back `lostAfterMs` after it was due, stops holding its sender's line.
 */
export class SenderShare {
  private readonly lines = new Map<string, Parked[]>();

  constructor(private readonly opts: { maxHeld: number; parkMs: number; lostAfterMs: number }) {}

  /**
   * The turn of job `id` (received as `seq`) of sender `key`, whose messages in the worker are
   * `held` (running or waiting), those not started yet received up to `lastWaiting`: undefined to
   * handle it now (InOrder puts it in its place among those), or the time to park it until.
   */
  turn(
    job: { key: string; id: string; seq: number },
    held: { count: number; lastWaiting?: number | undefined },
    now: number,
    /** This key's parking time, when it differs from `opts.parkMs` (how long its held messages take). */
    parkMs = this.opts.parkMs,
  ): number | undefined {
    const { maxHeld } = this.opts;
    const room = held.count < maxHeld;
    const line = this.lines.get(job.key) ?? [];
    this.dropLost(line, now);
    // Nothing of theirs parked (nearly every message): in now if there is room, or if it was received
    // before a message of theirs that has not started yet (InOrder puts it in front of that one).
    if (line.length === 0 && (room || (held.lastWaiting !== undefined && job.seq < held.lastWaiting))) return undefined;
    let at = line.findIndex((p) => p.id === job.id);
    if (at < 0) {
      at = sortedIndex(line, job.seq);
      line.splice(at, 0, { id: job.id, seq: job.seq, due: now });
    } else if (at > 0) {
      // Back from parking. BullMQ hands delayed jobs back in the order they are due (two of one
      // turn of the event loop possibly the other way round): one ahead that was due before it and
      // is still not back a turn after it was passed went to another worker process, or was removed.
      const mine = (line[at] as Parked).due;
      const loop = this.loopTurn();
      const kept = line.filter((p, i) => {
        if (i >= at || p.due >= mine) return true;
        p.passedIn ??= loop;
        return p.passedIn === loop;
      });
      if (kept.length < line.length) {
        line.splice(0, line.length, ...kept);
        at = line.findIndex((p) => p.id === job.id);
      }
    }
    if (at === 0 && room) {
      line.shift();
      if (line.length === 0) this.lines.delete(job.key);
      return undefined;
    }
    if (!this.lines.has(job.key)) {
      this.forgetLost(now);
      this.lines.set(job.key, line);
    }
    // The first in line comes back after `parkMs`; the others after it, in line order (a
    // millisecond apart: BullMQ takes back delayed jobs by time), `maxHeld` per `parkMs`.
    const head = line[0] as Parked;
    const due = at === 0 ? now + parkMs : Math.max(head.due, now) + parkMs * Math.floor(at / maxHeld) + (at % maxHeld);
    const parked = line[at] as Parked;
    parked.due = due;
    delete parked.passedIn;
    return due;
  }

  private loop = 0;
  private counting = false;

  /** The turn of the event loop: it moves on once every job handed over in this one has had its turn. */
  private loopTurn(): number {
    if (!this.counting) {
      this.counting = true;
      setImmediate(() => {
        this.loop++;
        this.counting = false;
      });
    }
    return this.loop;
  }

  /** Senders with messages parked. */
  get parkedSenders(): number {
    return this.lines.size;
  }

  private dropLost(line: Parked[], now: number): void {
    while (line.length > 0 && (line[0] as Parked).due + this.opts.lostAfterMs < now) line.shift();
  }

  /** Forgets the lines whose parked jobs all went elsewhere (checked when a new line starts). */
  private forgetLost(now: number): void {
    for (const [key, line] of this.lines) {
      this.dropLost(line, now);
      if (line.length === 0) this.lines.delete(key);
    }
  }
}
