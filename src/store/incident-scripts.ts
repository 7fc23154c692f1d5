import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { LuaScript } from './lua-script.ts';

/**
 * Opens an incident or joins the reporter's active one, once per source message, and in
 * the same step reserves its announcement (see IntakeAnnouncement), so that a citizen's
 * report costs one round trip to Redis.
 * KEYS: seq, openOf(reporter), msgDone, all.
 * ARGV: prefix, json fields, opening entry, createdAt, ttl, follow-up entry, announcement json.
 * An incident opened without words (a pin, a photo) is marked `wordless`; the first follow-up with
 * words (announcement.words) gives it their summary and language. One whose words told no language
 * ("passeport perdu" read as the default) is marked `langless`; the first follow-up whose words tell
 * one (announcement.spoken) gives it that language. A new incident of a reporter
 * whose latest one is over links it as `earlier` (unless the message quoted it: `inReplyTo`).
 * Returns {id, 1 opened | 0 joined | 2 already taken in, deadline scheduled?, card slot, HGETALL,
 * and for a message already taken in its record `id|opened|card|at`}: a retried job (its first
 * attempt failed after this step) queues the announcement again, under the same keys.
 */
export const INTAKE = new LuaScript(`
local a = cjson.decode(ARGV[7])
local function reply(id, flag, due, card, done)
  return {id, flag, due, card, redis.call('HGETALL', ARGV[1] .. ':incident:' .. id), done}
end
local done = redis.call('GET', KEYS[3])
if done then
  local sep = string.find(done, '|', 1, true)
  return reply(string.sub(done, 1, sep - 1), 2, 0, 0, done)
end
local open = redis.call('GET', KEYS[2])
if open then
  local status = redis.call('HGET', ARGV[1] .. ':incident:' .. open, 'status')
  if status == 'open' or status == 'acknowledged' or status == 'in_progress' then
    redis.call('RPUSH', ARGV[1] .. ':incident:' .. open .. ':timeline', ARGV[6])
    redis.call('HSET', ARGV[1] .. ':incident:' .. open, 'updatedAt', ARGV[4])
    if a.words and redis.call('HDEL', ARGV[1] .. ':incident:' .. open, 'wordless') == 1 then
      redis.call('HSET', ARGV[1] .. ':incident:' .. open, 'summary', a.words.summary)
      -- Words that tell no language keep the one the opening message told ("au secours": French).
      if not a.langless then
        redis.call('HSET', ARGV[1] .. ':incident:' .. open, 'language', a.words.language)
        redis.call('HDEL', ARGV[1] .. ':incident:' .. open, 'langless')
      end
    elseif a.spoken and redis.call('HDEL', ARGV[1] .. ':incident:' .. open, 'langless') == 1 then
      redis.call('HSET', ARGV[1] .. ':incident:' .. open, 'language', a.spoken)
    end
    redis.call('SET', KEYS[3], open .. '|0|0|' .. ARGV[4], 'EX', ARGV[5])
    redis.call('PUBLISH', a.channel, cjson.encode({type = 'incident.updated', id = open}))
    return reply(open, 0, 0, 0)
  end
end
-- Only a follow-up of the report that was open when the message was read ("thank you" as it was
-- resolved): none is open now, and none is opened.
if a.joinOnly then return {'', 3, 0, 0, {}} end
local seq = redis.call('INCR', KEYS[1])
local id = string.format('INC-%04d', seq)
local f = cjson.decode(ARGV[2])
local key = ARGV[1] .. ':incident:' .. id
-- The reporter's earlier report (resolved or closed): the card names it, unless the message quoted it.
if open then
  local links = cjson.decode(f.links or '{}')
  if links.inReplyTo ~= open then
    links.earlier = open
    f.links = cjson.encode(links)
  end
end
redis.call('HSET', key, 'id', id, 'seq', seq, 'status', 'open', 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'escalationLevel', 0)
for k, v in pairs(f) do redis.call('HSET', key, k, v) end
if a.wordless then redis.call('HSET', key, 'wordless', '1') end
if a.langless then redis.call('HSET', key, 'langless', '1') end
redis.call('RPUSH', key .. ':timeline', ARGV[3])
redis.call('ZADD', KEYS[4], seq, id)
redis.call('ZADD', ARGV[1] .. ':incidents:status:open', seq, id)
redis.call('ZADD', ARGV[1] .. ':incidents:severity:' .. f.severity, seq, id)
redis.call('ZADD', ARGV[1] .. ':incidents:ss:open:' .. f.severity, seq, id)
if f.reporter ~= '' then
  redis.call('SET', KEYS[2], id)
  redis.call('SADD', ARGV[1] .. ':citizen:' .. f.reporter .. ':incidents', id)
end
local due = 0
if a.deadline then
  redis.call('ZADD', a.deadline.key, a.deadline.at, id .. '|1')
  if redis.call('SET', a.deadline.marker, '1', 'NX', 'PX', a.deadline.ttl) then due = 1 end
end
local card = 1
if a.cards then
  local c = a.cards
  redis.call('ZREMRANGEBYSCORE', c.key, '-inf', c.now - c.window)
  if redis.call('ZCARD', c.key) >= c.max then
    redis.call('ZADD', c.pending, (c.rank or 0) * 1e12 + seq, id)
    card = 0
    if redis.call('SET', c.marker, '1', 'NX', 'PX', c.window) then card = 2 end
  else
    redis.call('ZADD', c.key, c.now, id)
    redis.call('PEXPIRE', c.key, c.window)
  end
end
redis.call('SET', KEYS[3], id .. '|1|' .. card .. '|' .. ARGV[4], 'EX', ARGV[5])
redis.call('PUBLISH', a.channel, cjson.encode({type = 'incident.created', id = id}))
return reply(id, 1, due, card)
`);

/**
 * Applies a change if status, severity and assignee are still what the caller read (compare-and-set),
 * moving the incident between the list indexes and appending to its timeline. The assignee is
 * compared too: an /ack that read "nobody has it" would otherwise take over an /assign made meanwhile;
 * and the escalation level: an /ack that read "not escalated" as the escalation paged the duty officers
 * would not tell them it was taken.
 * With a request key, a change whose entries the timeline already holds (the same request, run twice
 * at once: a note sent again with its Idempotency-Key while the first was being written) is not made again.
 * With a third key, the change's audit entries (ARGV[11]) are kept there with it, for whoever writes them to the trail.
 * The category and the region are compared too (ARGV[13], '' for none): two officers recategorising at
 * once would each write a timeline line from a value the incident no longer had. The links are not
 * written whole but changed key by key (ARGV[14]: the keys the change sets, null for one it removes),
 * so that a link another writer added meanwhile (a welfare check's) stays.
 * KEYS: incident, timeline[, audit pending]. ARGV: prefix, expStatus, expSeverity, newStatus, newSeverity, seq, fieldsJson,
 * entriesJson, expAssignee ('' for none), requestKey ('' for none), auditJson, expEscalationLevel,
 * expectedJson ({category, region}), linksChangeJson ('' for none).
 * Returns {1, the timeline's length after it} when made, {0, 0} when the incident changed meanwhile, {2, 0} when the request's change is already there.
 */
export const UPDATE = new LuaScript(`
local cur = redis.call('HMGET', KEYS[1], 'status', 'severity', 'assignee', 'escalationLevel')
if cur[1] ~= ARGV[2] or cur[2] ~= ARGV[3] or (cur[3] or '') ~= ARGV[9] or (cur[4] or '0') ~= ARGV[12] then return {0, 0} end
for k, v in pairs(cjson.decode(ARGV[13])) do
  if (redis.call('HGET', KEYS[1], k) or '') ~= v then return {0, 0} end
end
if ARGV[10] ~= '' then
  -- As cjson wrote it into an entry ("/" as "\\/"), or as it is.
  local written = string.sub(cjson.encode(ARGV[10]), 2, -2)
  for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    if string.find(raw, written, 1, true) or string.find(raw, ARGV[10], 1, true) then
      local e = cjson.decode(raw)
      if type(e.data) == 'table' and e.data.key == ARGV[10] then return {2, 0} end
    end
  end
end
local p = ARGV[1]
local id = redis.call('HGET', KEYS[1], 'id')
if ARGV[2] ~= ARGV[4] or ARGV[3] ~= ARGV[5] then
  redis.call('ZREM', p .. ':incidents:status:' .. ARGV[2], id)
  redis.call('ZREM', p .. ':incidents:severity:' .. ARGV[3], id)
  redis.call('ZREM', p .. ':incidents:ss:' .. ARGV[2] .. ':' .. ARGV[3], id)
  redis.call('ZADD', p .. ':incidents:status:' .. ARGV[4], ARGV[6], id)
  redis.call('ZADD', p .. ':incidents:severity:' .. ARGV[5], ARGV[6], id)
  redis.call('ZADD', p .. ':incidents:ss:' .. ARGV[4] .. ':' .. ARGV[5], ARGV[6], id)
end
local f = cjson.decode(ARGV[7])
for k, v in pairs(f) do
  if v == cjson.null then redis.call('HDEL', KEYS[1], k) else redis.call('HSET', KEYS[1], k, v) end
end
if ARGV[14] ~= '' then
  local raw = redis.call('HGET', KEYS[1], 'links')
  local links = (raw and raw ~= '') and cjson.decode(raw) or {}
  for k, v in pairs(cjson.decode(ARGV[14])) do
    if v == cjson.null then links[k] = nil else links[k] = v end
  end
  if next(links) == nil then redis.call('HDEL', KEYS[1], 'links') else redis.call('HSET', KEYS[1], 'links', cjson.encode(links)) end
end
for _, e in ipairs(cjson.decode(ARGV[8])) do redis.call('RPUSH', KEYS[2], cjson.encode(e)) end
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[11], 'EX', 604800) end
return {1, redis.call('LLEN', KEYS[2])}
`);

/**
 * Lua functions that take a citizen's phone number (and name) out of words staff wrote: scrub(text)
 * puts `gone` in place of each. The script defines the locals `full` (the phone's digits in
 * international form, '' for none), `national` (without the country code), `name` (lower case, ''
 * for none) and `gone` before it.
 */
/**
 * The digits SCRUB_LUA looks for (`full`, `national`) of a phone in E.164; of a LID ("204181337709876@lid"),
 * its digits (staff copy them from a card that shows the hidden number's LID); ['', ''] for anything else.
 */
export function scrubDigits(number: string): [full: string, national: string] {
  const lid = /^(\d{6,})(?::\d+)?@(?:hosted\.)?lid$/.exec(number)?.[1];
  if (lid) return [lid, lid];
  const phone = number.startsWith('+') ? parsePhoneNumberFromString(number) : undefined;
  return phone ? [number.slice(1), String(phone.nationalNumber)] : ['', ''];
}

/** The most characters a phone number written by hand spans, separators and brackets included. */
const SPAN = 40;

export const SCRUB_LUA = `
local function isPhone(d)
  return d == full or d == national or d == '0' .. national or d == '00' .. full
end
-- A run of digits and separators may hold the number among other figures ("INC-0042 06 12 34 56 78"):
-- every span that starts and ends on a figure of the run is tried.
local function scrubRun(run)
  local starts, ends = {}, {}
  for i = 1, #run do
    local c = string.sub(run, i, i)
    if string.find(c, '[%d%+%(]') and (i == 1 or string.find(string.sub(run, i - 1, i - 1), '%D')) then starts[#starts + 1] = i end
    if string.find(c, '%d') and (i == #run or string.find(string.sub(run, i + 1, i + 1), '%D')) then ends[#ends + 1] = i end
  end
  -- A number as written spans at most SPAN characters ("+33 (0)6 12 34 56 78" is 20): only spans that
  -- short are tried, the ends after each start in one pass, so a long run of figures (a pasted list)
  -- costs as much as its length, not its cube.
  local first = 1
  for _, a in ipairs(starts) do
    while first <= #ends and ends[first] <= a do first = first + 1 end
    for j = first, #ends do
      local b = ends[j]
      if b - a > ${SPAN} then break end
      local span = string.sub(run, a, b)
      -- "(+33) 6 12…" goes whole; a bracket that is not closed within the number stays.
      local bracket = string.sub(span, 1, 1) ~= '(' or string.find(span, ')', 1, true)
      if bracket and isPhone((string.gsub(span, '%D', ''))) then
        return string.sub(run, 1, a - 1) .. gone .. scrubRun(string.sub(run, b + 1))
      end
    end
  end
  return run
end
local function scrub(text)
  if type(text) ~= 'string' then return text end
  if full ~= '' then text = string.gsub(text, '%(?[%+%d][%d %.%-%(%)]*%d', scrubRun) end
  if name ~= '' then
    local out, from = {}, 1
    local lower = string.lower(text)
    while true do
      local a, b = string.find(lower, name, from, true)
      if not a then break end
      local before, after = string.sub(text, a - 1, a - 1), string.sub(text, b + 1, b + 1)
      if not string.find(before, '[%w]') and not string.find(after, '[%w]') then
        out[#out + 1] = string.sub(text, from, a - 1) .. gone
      else
        out[#out + 1] = string.sub(text, from, b)
      end
      from = b + 1
    end
    out[#out + 1] = string.sub(text, from)
    text = table.concat(out)
  end
  return text
end
`;

/**
 * Removes a reporter's words, pins and phone from an incident, atomically; in what staff wrote
 * (notes, replies), their phone number and registered name are replaced too.
 * KEYS: incident, timeline, openOf(reporter). ARGV: the text left in place of their words; the
 * digits of their phone in international form (a LID's digits when only it is known), and without the country
 * code (its national number); their name in lower case ('' when unknown); the text left in their place;
 * the digits of the LID the report came from when their phone is also known ('' otherwise).
 */
export const ERASE_REPORTER = new LuaScript(`
local full, national, name, gone = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
${SCRUB_LUA}
-- Then the digits of the LID their phone hid behind, if the report came from it (ARGV[6]).
local function scrubAll(text)
  text = scrub(text)
  if ARGV[6] ~= '' and type(text) == 'string' then
    local f, n = full, national
    full, national = ARGV[6], ARGV[6]
    text = scrub(text)
    full, national = f, n
  end
  return text
end
local items = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
for _, raw in ipairs(items) do
  local e = cjson.decode(raw)
  if e.actor == 'reporter' then
    e.text = ARGV[1]
    e.data = nil
  else
    e.text = scrubAll(e.text)
  end
  redis.call('RPUSH', KEYS[2], cjson.encode(e))
end
redis.call('HSET', KEYS[1], 'reporter', '', 'summary', '[erased]', 'location', 'null')
redis.call('DEL', KEYS[3])
return #items
`);

/**
 * Replaces timeline entries that are still as read: KEYS: timeline. ARGV: (index, entry as read, new entry)
 * triples. An entry changed meanwhile is left (entries are only appended: an index keeps its entry).
 */
export const REPLACE_ENTRIES = new LuaScript(`
local n = 0
for i = 1, #ARGV, 3 do
  local at = tonumber(ARGV[i])
  if redis.call('LINDEX', KEYS[1], at) == ARGV[i + 1] then
    redis.call('LSET', KEYS[1], at, ARGV[i + 2])
    n = n + 1
  end
end
return n
`);

/**
 * Records a reporter's edit or delete-for-everyone of one of their messages in the incident whose
 * timeline holds it, once per edit/delete message. The original entry stays as it was.
 * KEYS: incident, timeline, msgDone(edit or delete message). ARGV: original message id, reporter,
 * entry json, updatedAt, ttl, new summary ('' keeps it), events channel.
 * The new entry gets data.entry, the index of the original entry; the summary changes only when
 * the original entry is the report itself and the incident is still being worked on (a resolved or
 * closed report keeps the words it was resolved on; the edit is on its timeline). Returns {0} when the incident is not the reporter's or
 * does not hold the message; {1 recorded | 2 already recorded | 3 an edit to the words it already has (nothing recorded), HGETALL, original entry json}.
 */
export const MESSAGE_CHANGE = new LuaScript(`
local done = redis.call('GET', KEYS[3])
if done then
  local sep = string.find(done, '|', 1, true)
  local id = string.sub(done, 1, sep - 1)
  if id == redis.call('HGET', KEYS[1], 'id') then return {2, redis.call('HGETALL', KEYS[1]), ''} end
  return {0}
end
if ARGV[2] == '' or redis.call('HGET', KEYS[1], 'reporter') ~= ARGV[2] then return {0} end
local items = redis.call('LRANGE', KEYS[2], 0, -1)
local found, original
for i, raw in ipairs(items) do
  local e = cjson.decode(raw)
  if e.messageId == ARGV[1] and e.actor == 'reporter' and e.type ~= 'edited' and e.type ~= 'deleted' then
    found = i - 1
    original = e
    break
  end
end
if not found then return {0} end
local entry = cjson.decode(ARGV[3])
-- An edit that leaves the words as they are (the original WhatsApp handed over already edited, after the
-- bot was offline, then its edit) changes nothing: nothing recorded, nothing to tell.
if entry.type == 'edited' then
  local current = original.text
  for i = found + 2, #items do
    local e = cjson.decode(items[i])
    if e.type == 'edited' and type(e.data) == 'table' and e.data.of == ARGV[1] then current = e.text end
  end
  if current == entry.text then return {3, redis.call('HGETALL', KEYS[1]), ''} end
end
entry.data.entry = found
redis.call('RPUSH', KEYS[2], cjson.encode(entry))
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4])
local status = redis.call('HGET', KEYS[1], 'status')
if ARGV[6] ~= '' and original.type == 'reported' and status ~= 'resolved' and status ~= 'closed' then
  redis.call('HSET', KEYS[1], 'summary', ARGV[6])
end
local id = redis.call('HGET', KEYS[1], 'id')
redis.call('SET', KEYS[3], id .. '|0|0|' .. ARGV[4], 'EX', ARGV[5])
redis.call('PUBLISH', ARGV[7], cjson.encode({type = 'incident.updated', id = id}))
return {1, redis.call('HGETALL', KEYS[1]), items[found + 1]}
`);
