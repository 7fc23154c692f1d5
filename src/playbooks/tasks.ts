import type { CoreDeps } from '../app/deps.ts';
import { messageStaff } from '../app/incidents/shared.ts';
import { ROLES, type Role } from '../domain/roster.ts';
import { LuaScript } from '../store/lua-script.ts';
import { markIfExercise } from './step-context.ts';

/** One checklist item of a run. */
export interface TaskState {
  status: 'open' | 'acked' | 'overdue' | 'cancelled';
  role: string;
  title: string;
  dueAt: string;
  ackedBy?: string;
  ackedAt?: string;
  /** Whether the item was acknowledged after it had escalated. */
  late?: boolean;
  /** When the run was stopped with the item still to do. */
  cancelledAt?: string;
}

const REF = /^pbtask:(RUN-\d+):([a-z0-9-]+):([a-z0-9-]+)$/;

/** The `ref` a task message is sent with; a reply or reaction to the message finds the task by it. */
export function taskRef(runId: string, stepId: string, itemId: string): string {
  return `pbtask:${runId}:${stepId}:${itemId}`;
}

export function parseTaskRef(ref: string | undefined): { runId: string; stepId: string; itemId: string } | undefined {
  const m = ref ? REF.exec(ref) : null;
  return m ? { runId: m[1] as string, stepId: m[2] as string, itemId: m[3] as string } : undefined;
}

/** Acknowledges open or overdue items; returns the state before and after, or nothing when already closed. */
const ACK = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local t = cjson.decode(raw)
if t.status ~= 'open' and t.status ~= 'overdue' then return {raw, raw} end
if t.status == 'overdue' then t.late = true end
t.status = 'acked'
t.ackedBy = ARGV[2]
t.ackedAt = ARGV[3]
local after = cjson.encode(t)
redis.call('HSET', KEYS[1], ARGV[1], after)
return {raw, after}`);

/** Marks an open item overdue; returns the item as stored when it was open. */
const OVERDUE = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local t = cjson.decode(raw)
if t.status ~= 'open' then return false end
t.status = 'overdue'
local after = cjson.encode(t)
redis.call('HSET', KEYS[1], ARGV[1], after)
return after`);

/** Calls off every item still open or overdue (a stopped run); returns the fields cancelled. */
const CANCEL_OPEN = new LuaScript(`
local all = redis.call('HGETALL', KEYS[1])
local cancelled = {}
for i = 1, #all, 2 do
  local t = cjson.decode(all[i + 1])
  if t.status == 'open' or t.status == 'overdue' then
    t.status = 'cancelled'
    t.cancelledAt = ARGV[1]
    redis.call('HSET', KEYS[1], all[i], cjson.encode(t))
    table.insert(cancelled, all[i])
  end
end
return cancelled`);

export async function createTask(deps: CoreDeps, runId: string, stepId: string, itemId: string, task: TaskState): Promise<void> {
  await deps.redis
    .multi()
    .hsetnx(deps.keys.runTasks(runId), `${stepId}/${itemId}`, JSON.stringify(task))
    .sadd(deps.keys.runsWithOpenTasks, runId)
    .exec();
}

export async function tasksOf(deps: CoreDeps, runId: string): Promise<Record<string, TaskState>> {
  const h = await deps.redis.hgetall(deps.keys.runTasks(runId));
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as TaskState]));
}

/**
 * A stopped run calls off its checklist: items still open or overdue become cancelled, so the
 * dashboard and the API stop showing them as to do. Returns the `step/item` fields cancelled.
 */
export async function cancelOpenTasks(deps: CoreDeps, runId: string): Promise<string[]> {
  const res = await CANCEL_OPEN.run(deps.redis, [deps.keys.runTasks(runId)], [new Date(deps.now()).toISOString()]);
  return Array.isArray(res) ? (res as string[]) : [];
}

/** Records who acknowledged a task; `changed` is false when it was already acknowledged. */
export async function acknowledgeTask(
  deps: CoreDeps,
  ref: { runId: string; stepId: string; itemId: string },
  by: string,
): Promise<{ changed: boolean; task: TaskState } | undefined> {
  const res = (await ACK.run(
    deps.redis,
    [deps.keys.runTasks(ref.runId)],
    [`${ref.stepId}/${ref.itemId}`, by, new Date(deps.now()).toISOString()],
  )) as [string, string] | null;
  if (!res) return undefined;
  const before = JSON.parse(res[0]) as TaskState;
  const after = JSON.parse(res[1]) as TaskState;
  return { changed: before.status !== after.status, task: after };
}

/**
 * A task's due time came: if nobody acknowledged it, the staff holding its role and every duty
 * officer get a DM and it becomes overdue. The DMs go first (they are idempotent), so an attempt that dies before
 * sending them leaves the task open and the retry sends them. Returns true when it escalated.
 */
export async function escalateIfOverdue(
  deps: CoreDeps,
  run: { id: string; title: string; exercise: boolean },
  stepId: string,
  itemId: string,
): Promise<boolean> {
  const field = `${stepId}/${itemId}`;
  const raw = await deps.redis.hget(deps.keys.runTasks(run.id), field);
  const task = raw ? (JSON.parse(raw) as TaskState) : undefined;
  if (task?.status !== 'open') return false;
  const text = markIfExercise(
    run,
    `⏰ Overdue task in ${run.id} (${run.title}): "${task.title}" for ${task.role.replace('_', ' ')} was due at ${task.dueAt.slice(11, 16)} UTC and nobody has acknowledged it.\n` +
      // Said where it is done: this DM cannot tick it off.
      'Once it is done, reply ✅ to its message in the crisis-cell group.',
  );
  // The staff the task is for, and the duty officers who answer for the run (admins if none is rostered).
  const officers = deps.roster.withRole('duty_officer');
  const holders = (ROLES as readonly string[]).includes(task.role) ? deps.roster.withRole(task.role as Role) : [];
  const to = [...new Set([...holders, ...(officers.length ? officers : deps.roster.withRole('admin'))].map((o) => o.phone))];
  await messageStaff(deps, to, text, `playbook:${run.id}:${field}:overdue`, 'escalation');
  if (!(await OVERDUE.run(deps.redis, [deps.keys.runTasks(run.id)], [field]))) return true;
  await deps.audit.append({ type: 'playbook.task.overdue', actor: 'system', subject: run.id, data: { step: stepId, item: itemId } });
  return true;
}
