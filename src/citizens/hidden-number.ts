import type { ChatContext } from '../chat/chat-context.ts';
import { LuaScript } from '../store/lua-script.ts';
import { eraseFromRegistry, getCitizen, saveCitizens } from './registry.ts';

/**
 * Once WhatsApp shows the number behind a LID, what the citizen did under the LID alone follows
 * them to the number: their open report (the next message joins it), their incidents, a REGISTER
 * conversation under way, a rumour's warning ("is this true?" still answered). KEYS: the LID's then
 * the phone's open-report pointer, incidents, conversation, registry entry, rumour warning.
 * Returns {report moved, conversation moved, registry to move}.
 */
const ADOPT_SCRIPT = new LuaScript(`
local report, conversation = 0, 0
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]))
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('SADD', KEYS[4], id) end
  report = 1
end
if redis.call('EXISTS', KEYS[5]) == 1 and redis.call('EXISTS', KEYS[6]) == 0 then
  redis.call('RENAME', KEYS[5], KEYS[6])
  conversation = 1
end
if redis.call('EXISTS', KEYS[9]) == 1 and redis.call('EXISTS', KEYS[10]) == 0 then redis.call('RENAME', KEYS[9], KEYS[10]) end
local registry = (redis.call('EXISTS', KEYS[7]) == 1 and redis.call('EXISTS', KEYS[8]) == 0) and 1 or 0
return {report, conversation, registry}
`);

/** LID|phone pairs this process has already looked at: a citizen's later messages cost nothing. */
const adopted = new Set<string>();

/**
 * A citizen who wrote (or registered) while WhatsApp hid their number, writing now with it: their
 * registration, open report and REGISTER conversation move from the LID to the number, so they
 * are not asked to register again and their next message joins their report. Runs once per
 * LID and number in a process.
 */
export async function adoptHiddenNumber(ctx: ChatContext): Promise<void> {
  const { phone, lid, staff } = ctx.sender;
  if (!phone || !lid || staff) return;
  const pair = `${lid}|${phone}`;
  if (adopted.has(pair)) return;
  const { keys, redis } = ctx.deps;
  const [report, conversation, registry] = (await ADOPT_SCRIPT.run(
    redis,
    [
      keys.openIncidentOf(lid),
      keys.openIncidentOf(phone),
      keys.incidentsOfReporter(lid),
      keys.incidentsOfReporter(phone),
      keys.conversation(lid),
      keys.conversation(phone),
      keys.citizen(lid),
      keys.citizen(phone),
      keys.rumourWarned(lid),
      keys.rumourWarned(phone),
    ],
    [],
  )) as [number, number, number];
  const citizen = registry ? await getCitizen(ctx.deps, lid) : undefined;
  if (citizen) {
    await saveCitizens(ctx.deps, [{ ...citizen, phone, updatedAt: ctx.deps.now() }]);
    await eraseFromRegistry(ctx.deps, lid);
  }
  if (report || conversation || citizen)
    await ctx.deps.audit.append({
      type: 'citizen.number_shown',
      actor: ctx.sender.actor,
      data: { report: report === 1, conversation: conversation === 1, registration: citizen !== undefined },
    });
  if (adopted.size >= 10_000) adopted.clear();
  adopted.add(pair);
}
