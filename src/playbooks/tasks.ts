import type { CoreDeps } from '../app/deps.ts';
import { messageStaff } from '../app/incidents/shared.ts';
import { ROLES, type Role } from '../domain/roster.ts';
import { cutText } from '../domain/text-normalise.ts';
import { SCRUB_LUA, scrubDigits } from '../store/incident-scripts.ts';
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
  /** The chat message that ticked it off (a retry of that message is not a second tick). */
  ackedMsg?: string;
  /**
   * What staff wrote beyond "done" when they ticked it off, or replied to it once it was ("done, all
   * 12 staff safe"): shown with the item on the run (GET /api/runs/:id, the dashboard's checklist).
   */
  notes?: TaskNote[];
}

/** Words a member of staff wrote on a checklist item; `msg` is the chat message they came in. */
export interface TaskNote {
  by: string;
  at: string;
  text: string;
  msg?: string;
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

/**
 * Acknowledges an open or overdue item, and keeps the words that came with the reply (ARGV[4], JSON, or
 * ''), on an item already ticked off or called off too. Returns the item before and after, and 'again'
 * when this message (ARGV[5]) was already handled (a retried job): nothing changes then.
 */
const ACK = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local t = cjson.decode(raw)
if ARGV[5] ~= '' then
  if t.ackedMsg == ARGV[5] then return {raw, raw, 'again'} end
  if type(t.notes) == 'table' then
    for _, n in ipairs(t.notes) do if n.msg == ARGV[5] then return {raw, raw, 'again'} end end
  end
end
local changed = false
if t.status == 'open' or t.status == 'overdue' then
  if t.status == 'overdue' then t.late = true end
  t.status = 'acked'
  t.ackedBy = ARGV[2]
  t.ackedAt = ARGV[3]
  if ARGV[5] ~= '' then t.ackedMsg = ARGV[5] end
  changed = true
end
if ARGV[4] ~= '' then
  if type(t.notes) ~= 'table' then t.notes = {} end
  table.insert(t.notes, cjson.decode(ARGV[4]))
  changed = true
end
if not changed then return {raw, raw} end
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

/**
 * Takes a citizen's phone number out of the notes staff wrote on a run's checklist items ("done,
 * called Mrs Haddad on +33 6 12 34 56 78"), atomically. KEYS: run tasks. ARGV: the phone's digits in
 * international form, its national number, the text left in its place. Returns the notes changed.
 * Their name is not looked for: a run belongs to no citizen, and a name may be a colleague's too.
 */
const ERASE_FROM_NOTES = new LuaScript(`
local full, national, name, gone = ARGV[1], ARGV[2], '', ARGV[3]
${SCRUB_LUA}
local all = redis.call('HGETALL', KEYS[1])
local changed = 0
for i = 1, #all, 2 do
  local t = cjson.decode(all[i + 1])
  local touched = false
  if type(t.notes) == 'table' then
    for _, n in ipairs(t.notes) do
      local text = scrub(n.text)
      if text ~= n.text then
        n.text = text
        touched = true
        changed = changed + 1
      end
    end
  end
  if touched then redis.call('HSET', KEYS[1], all[i], cjson.encode(t)) end
end
return changed`);

/**
 * A citizen's DELETE: their phone number goes from every note on every run's checklist (`[erased]` in
 * its place). Returns the notes changed.
 */
export async function eraseFromTaskNotes(deps: CoreDeps, phone: string): Promise<number> {
  const [full, national] = scrubDigits(phone);
  if (!full) return 0;
  // Each run's checklist in its own script (atomic against a note added meanwhile), sent together.
  const runs = await deps.redis.zrange(deps.keys.runsAll, '0', '-1');
  const changed = await Promise.all(
    runs.map((runId) => ERASE_FROM_NOTES.run(deps.redis, [deps.keys.runTasks(runId)], [full, national, '[erased]'])),
  );
  return changed.reduce((sum: number, n) => sum + Number(n), 0);
}

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

/**
 * Records who acknowledged a task, with the words they wrote beyond "done" (`note`), kept also when
 * it was already acknowledged or called off. `changed` is false when it was already acknowledged;
 * `again` when `msgId` was already handled (a retry: nothing was recorded).
 */
export async function acknowledgeTask(
  deps: CoreDeps,
  ref: { runId: string; stepId: string; itemId: string },
  by: string,
  said: { note?: string; msgId?: string } = {},
): Promise<{ changed: boolean; again: boolean; task: TaskState } | undefined> {
  const at = new Date(deps.now()).toISOString();
  const note: TaskNote | undefined = said.note
    ? { by, at, text: cutText(said.note, 500), ...(said.msgId ? { msg: said.msgId } : {}) }
    : undefined;
  const res = (await ACK.run(
    deps.redis,
    [deps.keys.runTasks(ref.runId)],
    [`${ref.stepId}/${ref.itemId}`, by, at, note ? JSON.stringify(note) : '', said.msgId ?? ''],
  )) as [string, string, string?] | null;
  if (!res) return undefined;
  const before = JSON.parse(res[0]) as TaskState;
  const after = JSON.parse(res[1]) as TaskState;
  return { changed: before.status !== after.status, again: res[2] === 'again', task: after };
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
