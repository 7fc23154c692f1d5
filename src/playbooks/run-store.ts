import type { CoreDeps } from '../app/deps.ts';
import { LuaScript } from '../store/lua-script.ts';
import { pageAfterMember } from '../store/member-page.ts';
import type { RunParams } from './params.ts';
import { type Playbook, playbookSchema } from './schema.ts';

/** Where a step of a run is. */
export type StepStatus = 'pending' | 'scheduled' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';
export type RunStatus = 'running' | 'completed' | 'stopped';

/** The durable state of one step (times are ISO strings). */
export interface StepState {
  status: StepStatus;
  dueAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** What the step did, in a few words (e.g. "alert ALR-0003 pending_approval"). */
  note?: string;
  error?: string;
  /** How many times the stuck-run sweep re-queued this step after its job was lost. */
  requeues?: number;
}

/** A playbook run as stored in Redis. */
export interface RunRecord {
  id: string;
  playbook: string;
  version: number;
  title: string;
  status: RunStatus;
  params: RunParams;
  exercise: boolean;
  startedBy: string;
  startedByPhone?: string;
  createdAt: string;
  finishedAt?: string;
  stoppedBy?: string;
  /** Why the duty officers must look at this run (e.g. a step given up after its job kept being lost). */
  attention?: string;
}

/** Claims a step for execution: refuses when the run is not running or the step is already settled. */
const CLAIM = new LuaScript(`
local run = redis.call('HGET', KEYS[1], 'status')
if run ~= 'running' then return 'run:' .. tostring(run) end
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 'missing' end
local s = cjson.decode(raw)
if s.status == 'done' or s.status == 'skipped' or s.status == 'failed' or s.status == 'cancelled' then return s.status end
if s.status ~= 'running' then s.startedAt = ARGV[2] end
s.status = 'running'
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(s))
return 'claimed'`);

/** Moves a step from one of the listed states to a new one, merging fields; returns 1 when it moved. */
const TRANSITION = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local s = cjson.decode(raw)
local allowed = false
for from in string.gmatch(ARGV[2], '[^,]+') do if s.status == from then allowed = true end end
if not allowed then return 0 end
local patch = cjson.decode(ARGV[3])
for k, v in pairs(patch) do s[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(s))
return 1`);

/** Counts one re-queue of a step still in hand (scheduled or running) and seen with `ARGV[2]` re-queues; returns the new count, or 0. */
const REQUEUE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local s = cjson.decode(raw)
if s.status ~= 'scheduled' and s.status ~= 'running' then return 0 end
if (tonumber(s.requeues) or 0) ~= tonumber(ARGV[2]) then return 0 end
s.requeues = tonumber(ARGV[2]) + 1
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(s))
return s.requeues`);

/** Stops a running run and cancels its pending and scheduled steps; returns the cancelled step ids. */
const STOP = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return false end
redis.call('HSET', KEYS[1], 'status', 'stopped', 'finishedAt', ARGV[1], 'stoppedBy', ARGV[2])
redis.call('SREM', KEYS[3], ARGV[3])
local cancelled = {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local s = cjson.decode(all[i + 1])
  if s.status == 'pending' or s.status == 'scheduled' then
    s.status = 'cancelled'
    s.finishedAt = ARGV[1]
    redis.call('HSET', KEYS[2], all[i], cjson.encode(s))
    table.insert(cancelled, all[i])
  end
end
return cancelled`);

/** Finishes a running run. */
const COMPLETE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1`);

const iso = (ms: number) => new Date(ms).toISOString();

/** The fields of the run hash a RunRecord is read from (not `definition`, the playbook snapshot). */
const RECORD_FIELDS = [
  'id',
  'playbook',
  'version',
  'title',
  'status',
  'params',
  'exercise',
  'startedBy',
  'startedByPhone',
  'createdAt',
  'finishedAt',
  'stoppedBy',
  'attention',
] as const;

/** The playbook snapshot a run stored when it started cannot be read (corrupt JSON, not a playbook). */
export class RunDefinitionError extends Error {
  constructor(
    readonly runId: string,
    problem: string,
  ) {
    super(`${runId}: the playbook definition stored with the run cannot be read (${problem})`);
    this.name = 'RunDefinitionError';
  }
}

/** Redis persistence of playbook runs; every state change is one atomic command or script. */
/** A page of run ids, newest first, and the cursor of the next page (null at the end). */
export interface RunPage {
  ids: string[];
  nextCursor: string | null;
}

export class RunStore {
  constructor(private readonly deps: CoreDeps) {}

  private get redis() {
    return this.deps.redis;
  }
  private get keys() {
    return this.deps.keys;
  }

  /** The run a start request (e.g. a chat message) already created, if any. */
  async runOfOrigin(origin: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.runOrigin(origin))) ?? undefined;
  }

  async nextId(): Promise<string> {
    const n = await this.redis.incr(this.keys.runSeq);
    return `RUN-${String(n).padStart(4, '0')}`;
  }

  /**
   * Records a new run with the playbook it follows (`definition`, stored as JSON with the run):
   * every later step reads this snapshot, so editing the playbook file never changes a run under way.
   */
  async create(run: RunRecord, definition: Playbook, origin?: string): Promise<void> {
    const { id } = run;
    const stepIds = definition.steps.map((s) => s.id);
    const m = this.redis.multi();
    m.hset(this.keys.run(id), {
      id,
      playbook: run.playbook,
      version: String(run.version),
      title: run.title,
      status: run.status,
      params: JSON.stringify(run.params),
      exercise: run.exercise ? '1' : '0',
      startedBy: run.startedBy,
      ...(run.startedByPhone ? { startedByPhone: run.startedByPhone } : {}),
      createdAt: run.createdAt,
      definition: JSON.stringify(definition),
    });
    m.hset(this.keys.runSteps(id), Object.fromEntries(stepIds.map((s) => [s, JSON.stringify({ status: 'pending' })])));
    m.zadd(this.keys.runsAll, Date.parse(run.createdAt), id);
    m.sadd(this.keys.runsActive, id);
    if (origin) m.set(this.keys.runOrigin(origin), id, 'EX', 30 * 24 * 3600);
    await m.exec();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const values = await this.redis.hmget(this.keys.run(id), ...RECORD_FIELDS);
    const h = Object.fromEntries(RECORD_FIELDS.map((f, i) => [f, values[i] ?? undefined])) as Partial<
      Record<(typeof RECORD_FIELDS)[number], string>
    >;
    if (!h.id) return undefined;
    return {
      id: h.id,
      playbook: h.playbook ?? '',
      version: Number(h.version),
      title: h.title ?? '',
      status: h.status as RunStatus,
      params: JSON.parse(h.params ?? '{}') as RunParams,
      exercise: h.exercise === '1',
      startedBy: h.startedBy ?? 'unknown',
      ...(h.startedByPhone ? { startedByPhone: h.startedByPhone } : {}),
      createdAt: h.createdAt ?? '',
      ...(h.finishedAt ? { finishedAt: h.finishedAt } : {}),
      ...(h.stoppedBy ? { stoppedBy: h.stoppedBy } : {}),
      ...(h.attention ? { attention: h.attention } : {}),
    };
  }

  /**
   * The playbook the run stored when it started; undefined for a run started before runs stored
   * it (the caller falls back to the library). Throws RunDefinitionError when it cannot be read.
   */
  async definition(run: Pick<RunRecord, 'id' | 'playbook'>): Promise<Playbook | undefined> {
    const raw = await this.redis.hget(this.keys.run(run.id), 'definition');
    if (raw === null) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new RunDefinitionError(run.id, `not JSON: ${(err as Error).message}`);
    }
    const parsed = playbookSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RunDefinitionError(run.id, `not a valid playbook: ${issue?.path.join('.') || 'playbook'}: ${issue?.message}`);
    }
    if (parsed.data.id !== run.playbook)
      throw new RunDefinitionError(run.id, `it is playbook ${parsed.data.id}, the run follows ${run.playbook}`);
    return parsed.data;
  }

  async steps(id: string): Promise<Record<string, StepState>> {
    const h = await this.redis.hgetall(this.keys.runSteps(id));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as StepState]));
  }

  /** `claimed`, a settled step status, `run:<status>` when the run is not running, or `missing`. */
  async claim(runId: string, stepId: string): Promise<string> {
    const keys = [this.keys.run(runId), this.keys.runSteps(runId)];
    return (await CLAIM.run(this.redis, keys, [stepId, iso(this.deps.now())])) as string;
  }

  async transition(runId: string, stepId: string, from: StepStatus[], patch: Partial<StepState>): Promise<boolean> {
    const moved = await TRANSITION.run(this.redis, [this.keys.runSteps(runId)], [stepId, from.join(','), JSON.stringify(patch)]);
    return moved === 1;
  }

  async finish(runId: string, stepId: string, status: 'done' | 'failed' | 'skipped' | 'cancelled', detail: Partial<StepState> = {}) {
    return this.transition(runId, stepId, ['pending', 'scheduled', 'running'], { ...detail, status, finishedAt: iso(this.deps.now()) });
  }

  /**
   * Counts a re-queue of a step whose job was lost, if the run is running, the step is still in
   * hand and nobody re-queued it since it was read with `seen` re-queues; returns the new count or 0.
   */
  async countRequeue(runId: string, stepId: string, seen: number): Promise<number> {
    const keys = [this.keys.run(runId), this.keys.runSteps(runId)];
    return (await REQUEUE.run(this.redis, keys, [stepId, String(seen)])) as number;
  }

  /** Clears a run's attention flag; returns the reason it had, or undefined when it had none. */
  async clearAttention(runId: string): Promise<string | undefined> {
    const [[, reason]] = (await this.redis
      .multi()
      .hget(this.keys.run(runId), 'attention')
      .hdel(this.keys.run(runId), 'attention')
      .exec()) as [[unknown, string | null], unknown];
    return reason ?? undefined;
  }

  /** Marks a run as needing the duty officers' attention, with why. */
  async flagAttention(runId: string, reason: string): Promise<void> {
    await this.redis.hset(this.keys.run(runId), 'attention', reason);
  }

  async stop(runId: string, by: string): Promise<string[] | undefined> {
    const keys = [this.keys.run(runId), this.keys.runSteps(runId), this.keys.runsActive];
    const res = await STOP.run(this.redis, keys, [iso(this.deps.now()), by, runId]);
    return Array.isArray(res) ? (res as string[]) : undefined;
  }

  async complete(runId: string): Promise<boolean> {
    const keys = [this.keys.run(runId), this.keys.runsActive];
    return (await COMPLETE.run(this.redis, keys, [iso(this.deps.now()), runId])) === 1;
  }

  async activeIds(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.runsActive)).sort();
  }

  /**
   * Newest first; the cursor is the id of the last run returned (runs started in the same
   * millisecond are each listed once). A start time in epoch ms, the cursor of earlier versions,
   * is still taken. Undefined when the cursor names no run.
   */
  async page(limit: number): Promise<RunPage>;
  async page(limit: number, cursor: string | undefined): Promise<RunPage | undefined>;
  async page(limit: number, cursor?: string): Promise<RunPage | undefined> {
    if (cursor === undefined || !/^\d+$/.test(cursor)) return pageAfterMember(this.redis, this.keys.runsAll, limit, cursor);
    const rows = await this.redis.zrevrangebyscore(this.keys.runsAll, `(${cursor}`, '-inf', 'LIMIT', 0, limit + 1);
    const ids = rows.slice(0, limit);
    return { ids, nextCursor: rows.length > limit ? (ids.at(-1) ?? null) : null };
  }

  /** The stored result of a step's side effect (an alert id...), so a re-run step does not repeat it. */
  async effectResult<T>(runId: string, stepId: string): Promise<T | undefined> {
    const raw = await this.redis.hget(this.keys.runEffects(runId), stepId);
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async saveEffectResult(runId: string, stepId: string, result: unknown): Promise<void> {
    await this.redis.hset(this.keys.runEffects(runId), stepId, JSON.stringify(result));
  }
}
