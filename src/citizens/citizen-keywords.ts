import { openIncident } from '../app/incidents/open-incident.ts';
import { emergencyLine, incidentStore } from '../app/incidents/shared.ts';
import { audienceReaches } from '../broadcast/audience.ts';
import { type BroadcastRecord, broadcastKeys, loadRecord } from '../broadcast/broadcast-store.ts';
import { textIn } from '../broadcast/render.ts';
import { QUESTION_WENT_OUT } from '../broadcast/tracking.ts';
import { checksAnsweredBy, withdrawnCheckAsked } from '../broadcast/welfare.ts';
import { answerWelfareCheck, askForWelfareAnswer } from '../broadcast/welfare-answer.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { isActive } from '../domain/incident.ts';
import { foldText, guessLanguage, KeywordSet } from '../domain/text-normalise.ts';
import { jobIdFor } from '../queues/queues.ts';
import { ERASE_SWEEP, ERASE_SWEEP_DELAY_MS, eraseCitizen } from './erase.ts';
import { adoptHiddenNumber } from './hidden-number.ts';
import { asksIfSafe, describesDanger, matchKeyword, matchMistyped, parseWelfareAnswer, readsAsEmergency, saidSafe } from './keywords.ts';
import { t } from './messages.ts';
import { continueRegistration, leaveRegistration, startRegistration } from './register-dialogue.ts';
import { optOut, senderLanguage, senderProfile } from './registry.ts';
import { answerTruthQuestion, warnOfRumour } from './rumours.ts';
import { confirmAlertWords, verifyForwardedAlert } from './verify-alert.ts';
import { OPT_OUT_FILLER, OPT_OUT_PHRASES } from './words.ts';

/**
 * A citizen's DM, before incident intake: welfare-check answers, the keywords REGISTER, NEWS,
 * STOP, DELETE and SAFE, answers in the REGISTER conversation, and forwarded alerts to verify.
 * Returns true when consumed.
 */
export async function handleCitizenMessage(ctx: ChatContext): Promise<boolean> {
  // A citizen WhatsApp shows only by LID (their number hidden) is that LID here, as in incident
  // intake: they register, answer welfare checks and say SAFE under it, and are written to at it.
  const phone = ctx.sender.phone ?? ctx.sender.lid;
  if (!phone) return false;
  await adoptHiddenNumber(ctx);
  const said = matchKeyword(ctx.msg.text, ['register', 'news', 'stop', 'delete', 'deleteAsk', 'safe', 'help']);
  // "ok we are safe now": SAFE with thanks or "now" around it is SAFE.
  const safe = said ? undefined : saidSafe(ctx.msg.text);
  // "regsiter", "advisroy", "delte": a keyword typed in a hurry (looked for once, and only in a short message).
  const typo = said || safe ? undefined : matchMistyped(ctx.msg.text, FORGIVEN);
  const heard =
    said ??
    (safe ? { keyword: 'safe' as const, language: safe } : undefined) ??
    (await askedForNews(ctx, phone, ctx.msg.text, typo)) ??
    mistyped(typo) ??
    asksToOptOut(ctx);
  // "safe?", "ok?", "oui ?": asking back is saying nothing (see asksIfSafe): not SAFE, nor an answer to a check.
  const question = asksIfSafe(ctx.msg.text);
  const keyword = question && heard?.keyword === 'safe' ? undefined : heard;
  if (keyword?.keyword === 'register') {
    await startRegistration(ctx, phone, keyword.language);
    return true;
  }
  // Started now, so that it travels to Redis with the conversation's lookup.
  const registered = senderLanguage(ctx, phone);
  // The words of a genuine alert forwarded without its header claim the embassy too: they are confirmed,
  // never warned of as a rumour the embassy did not send.
  if (!keyword && (await confirmAlertWords(ctx, registered))) return true;
  // A forwarded rumour ("the embassy says go to the airport tonight, share!") gets its warning; it is
  // no answer to a registration question or a welfare check. One that names an alert is verified below.
  if (!keyword && (await warnOfRumour(ctx, phone, registered))) return true;
  if (!keyword && (await continueRegistration(ctx, phone))) return true;
  // "Is this true?" just after a rumour's warning is asked about it: answered again, no report.
  if (!keyword && (await answerTruthQuestion(ctx, phone))) return true;
  // HELP ends a REGISTER conversation: what the citizen writes next is about their emergency.
  if (keyword?.keyword === 'help') await leaveRegistration(ctx, phone);
  // Who never registered is answered in the language of their report (alerts reach them in it too):
  // "STOP" is English and French alike.
  const known = await registered;
  const language = known ?? (keyword ? await reportLanguage(ctx, phone) : undefined) ?? keyword?.language;
  if (keyword?.keyword === 'stop') return stop(ctx, phone, language);
  if (keyword?.keyword === 'delete') return erase(ctx, phone, language);
  // Welfare checks ask registered citizens (and, in a drill, the rostered staff) only: anyone else's
  // "1" or "my son is bleeding" answers no check, and costs no lookup (every report in a crisis would pay it).
  const mayBeAsked = known !== undefined || ctx.sender.staff !== undefined;
  // "We're ok, stop sending me messages" to a check they have not answered is its answer too:
  // tallied below, then they are told how to stop (the answer used to be lost to the hint).
  const hint = keyword?.keyword === 'deleteAsk';
  if (hint && !(mayBeAsked && parseWelfareAnswer(ctx.msg.text))) return deleteHow(ctx, language);
  // A forwarded message is someone else's words ("from my sister: we are trapped"): a report, not their answer.
  const read = ctx.msg.forwarded || !mayBeAsked ? undefined : parseWelfareAnswer(ctx.msg.text);
  // The rest of an answer said with a wish to stop the messages is that wish: answered below, not a remark for the cell.
  const parsed = read && hint ? { ...read, remark: false } : read;
  // Asked at a check they have not answered, the question gets the check's question again (as a 👍 does).
  if (question && mayBeAsked && !ctx.msg.forwarded && (await askForWelfareAnswer(ctx))) return true;
  // "My son is bleeding" in answer to "are you safe?" (no 1 or 2): a first answer that describes an
  // emergency is HELP, so the check counts them and no reminder asks them again.
  const danger = !parsed && !keyword && !ctx.msg.forwarded && mayBeAsked && describesDanger(ctx.msg.text);
  if (parsed || danger) {
    // An answer to a check closed meanwhile is still taken, as late (its HELP opens an incident as ever).
    let asked = await checksAnsweredBy(ctx.deps, phone);
    // Asked at their LID, answering with the first message that shows their number: the checks asked the LID.
    const lid = ctx.sender.lid !== phone && asked.length === 0 ? ctx.sender.lid : undefined;
    if (lid) asked = await checksAnsweredBy(ctx.deps, lid);
    const askedAs = lid && asked.length ? { askedAs: lid } : {};
    const [checkId, ...also] = parsed && !hint ? asked : await unanswered(ctx, asked, askedAs.askedAs ?? phone);
    // "2" to a check withdrawn since: counted nowhere, but the citizen still says they need help.
    if (parsed && !parsed.remark && !checkId && !hint && (await answerWithdrawnCheck(ctx, phone, language, parsed.answer))) return true;
    // "1 500" (more people than a household holds): asked again, nothing tallied, as REGISTER asks again.
    if (checkId && parsed?.tooMany !== undefined) {
      await ctx.reply(t(language, 'welfareBadPeople'), 'welfare-answer');
      return true;
    }
    const answer = parsed ?? (checkId ? { answer: 'help' as const } : undefined);
    // A SAFE answer that says more is tallied, then goes on to intake: the cell reads the rest.
    if (
      checkId &&
      answer &&
      (await answerWelfareCheck(ctx, { id: checkId, also, phone, ...askedAs, language, ...answer })) &&
      !answer.remark &&
      !hint
    )
      return true;
  }
  if (hint) return deleteHow(ctx, language);
  if (keyword?.keyword === 'news') return news(ctx, language, phone);
  if (await verifyForwardedAlert(ctx, language)) return true;
  if (keyword?.keyword === 'safe') {
    await ctx.deps.audit.append({ type: 'citizen.reported_safe', actor: ctx.sender.actor });
    // The officers working on the citizen's open report must learn it too.
    if (await incidentStore(ctx.deps).activeOf(phone)) {
      await openIncident(ctx.deps, { reporter: phone, text: ctx.msg.text ?? '', channel: 'chat', sourceMessageId: ctx.msg.id });
    }
    await ctx.reply(t(language, 'safeNoted'), 'safe');
    return true;
  }
  return false;
}

/**
 * An answer to a welfare check that was withdrawn: not tallied (the check is cancelled). HELP ("2") is
 * a critical report that says what it answers, instead of a report titled "2" that nobody can read;
 * SAFE ("1") is thanked, as a SAFE is.
 */
async function answerWithdrawnCheck(
  ctx: ChatContext,
  phone: string,
  language: string | undefined,
  answer: 'safe' | 'help',
): Promise<boolean> {
  const id = await withdrawnCheckAsked(ctx.deps, phone);
  if (!id) return false;
  if (answer === 'safe') {
    await ctx.deps.audit.append({ type: 'citizen.reported_safe', actor: ctx.sender.actor, subject: id });
    await ctx.reply(t(language, 'safeNoted'), 'welfare-answer');
    return true;
  }
  const incident = await openIncident(ctx.deps, {
    reporter: phone,
    text: `Welfare check ${id} (withdrawn since): the citizen answered HELP (“${ctx.msg.text ?? ''}”).`,
    channel: 'welfare',
    severity: 'critical',
    ...(language ? { language } : {}),
    links: { welfareCheck: id },
    sourceMessageId: ctx.msg.id,
  });
  await ctx.reply(
    t(language, 'welfareHelp', { emergency: ctx.deps.config.embassy.emergencyNumber ?? '112', id: incident.id }),
    'welfare-answer',
  );
  return true;
}

/**
 * "Any news?", "des nouvelles ?", "شو الأخبار؟" from someone with no report open: NEWS (the latest
 * advice). With a report open it is about that report: intake says where it stands.
 */
async function askedForNews(ctx: ChatContext, phone: string, text: string | undefined, typo: Mistyped) {
  const asked = matchKeyword(text, ['newsQuestion']) ?? (typo?.keyword === 'newsQuestion' ? typo : undefined);
  if (!asked || ctx.msg.forwarded || (await incidentStore(ctx.deps).activeOf(phone))) return undefined;
  return { keyword: 'news' as const, language: asked.language };
}

/**
 * A keyword typed in a hurry ("regsiter", "advisroy", "delte"): REGISTER and NEWS are taken as
 * meant (their replies harm no one who meant something else); a slip in DELETE or STOP is only
 * answered with how to send them: a typo never erases anyone's data nor stops their alerts.
 */
function mistyped(meant: Mistyped) {
  if (!meant || meant.keyword === 'newsQuestion') return undefined;
  return meant.keyword === 'delete' || meant.keyword === 'stop' ? { keyword: 'deleteAsk' as const, language: meant.language } : meant;
}

const OPT_OUT = new KeywordSet(Object.values(OPT_OUT_PHRASES).flat());
const OPT_OUT_FILLERS = new Set(
  Object.values(OPT_OUT_FILLER)
    .flat()
    .map((w) => foldText(w)),
);
/** The most words a message asking to stop or be erased in a sentence has ("please stop sending me these messages"). */
const OPT_OUT_WORDS = 12;

/**
 * "Please stop", "unsubscribe me", "supprimer mon compte", "حذف بياناتي": a short message of the
 * citizen's own that asks to stop the messages or be erased, and describes no emergency. Answered
 * with how to send STOP or DELETE (deleteAsk), never acted on: it used to open a report, and the
 * alerts went on.
 */
function asksToOptOut(ctx: ChatContext) {
  const text = ctx.msg.text;
  if (!text || ctx.msg.forwarded || ctx.msg.edit) return undefined;
  const folded = foldText(text);
  // The opt-out phrases first: most messages have none, and reading one as an emergency takes the triage rules.
  if (folded.split(/\s+/).length > OPT_OUT_WORDS || !OPT_OUT.any(folded) || readsAsEmergency(text)) return undefined;
  // Said with anything but the words of such a request it is a report: "please stop them, they are
  // beating my son", "no more messages, just send someone, my father collapsed".
  const rest = OPT_OUT.remove(folded).split(/[^\p{L}\p{N}]+/u);
  if (!rest.every((w) => w === '' || OPT_OUT_FILLERS.has(w))) return undefined;
  return { keyword: 'deleteAsk' as const, language: guessLanguage(text, ctx.deps.config.languages) };
}

/** The keywords a typo may be read as: "any udpates" is a question for NEWS, asked as askedForNews says. */
const FORGIVEN = ['register', 'news', 'newsQuestion', 'deleteAsk', 'delete', 'stop'] as const;
type Mistyped = ReturnType<typeof matchMistyped>;

/** The language of the sender's latest report, if they made one. */
async function reportLanguage(ctx: ChatContext, phone: string): Promise<string | undefined> {
  return (await incidentStore(ctx.deps).latestOf(phone))?.language;
}

/** Those of the welfare checks the citizen has not answered yet. */
async function unanswered(ctx: ChatContext, checkIds: string[], phone: string): Promise<string[]> {
  const answered = await Promise.all(checkIds.map((id) => ctx.deps.redis.hexists(ctx.deps.keys.welfareAnswers(id), phone)));
  return checkIds.filter((_, i) => answered[i] === 0);
}

/** How to send STOP or DELETE, to a citizen who asked in a sentence (or mistyped them). */
async function deleteHow(ctx: ChatContext, language: string | undefined): Promise<boolean> {
  await ctx.reply(t(language, 'deleteHow'), 'delete');
  return true;
}

async function stop(ctx: ChatContext, phone: string, language: string | undefined): Promise<boolean> {
  const registered = await optOut(ctx.deps, phone);
  // Alerts drafted while WhatsApp hid their number name the LID: it says STOP too.
  if (ctx.sender.lid && ctx.sender.lid !== phone) await optOut(ctx.deps, ctx.sender.lid);
  await ctx.deps.redis.del(ctx.deps.keys.conversation(phone));
  await ctx.deps.audit.append({ type: 'citizen.opted_out', actor: ctx.sender.actor, data: { registered } });
  await ctx.reply(t(language, registered ? 'stopped' : 'notRegistered'), 'stop');
  return true;
}

async function erase(ctx: ChatContext, phone: string, language: string | undefined): Promise<boolean> {
  // First: a message of theirs received before this one, still to be handled (held back by a crash), is erased too.
  const seq = ctx.received?.seq ?? ctx.deps.now() * 1000;
  await ctx.deps.redis.set(ctx.deps.keys.erasedAt(ctx.sender.actor), String(seq), 'EX', 24 * 3600);
  // Their reports still open, which the cell is now told nobody can follow up: they were promised a call.
  const open = await openReportsOf(ctx, [phone, ctx.sender.lid]);
  const report = await eraseCitizen(ctx.deps, phone);
  await ctx.deps.audit.append({
    type: 'citizen.erased',
    actor: 'citizen',
    data: {
      registered: report.registered,
      broadcasts: report.broadcasts,
      jobsRemoved: report.jobsRemoved,
      incidents: report.incidents,
      finishedJobsRemoved: report.finishedJobsRemoved,
      taskNotes: report.taskNotes,
    },
  });
  ctx.deps.log.info({ broadcasts: report.broadcasts, jobsRemoved: report.jobsRemoved }, 'citizen data erased');
  // "An officer will contact you on this number" no longer holds: they are told, and where to turn.
  const unfollowed = open.length
    ? `\n${t(language, 'deletedOpenReport', { id: open.join(', ') })}${emergencyLine(ctx.deps, language ?? 'en')}`
    : '';
  await ctx.reply(`${t(language, 'deleted')}${unfollowed}`, 'delete');
  // This message's job and the answer above finish after the erasure: a sweep removes them too.
  await ctx.deps.timers.schedule(ERASE_SWEEP, { senders: report.senders }, ERASE_SWEEP_DELAY_MS, jobIdFor('e', ctx.msg.id), {
    forget: true,
  });
  return true;
}

/** The ids of the reports made from `phones` (their number, the LID it hid behind) not yet resolved or closed. */
async function openReportsOf(ctx: ChatContext, phones: (string | undefined)[]): Promise<string[]> {
  const store = incidentStore(ctx.deps);
  const ids = new Set<string>();
  for (const p of new Set(phones)) if (p) for (const id of await store.idsOfReporter(p)) ids.add(id);
  const incidents = await store.getManyWithoutTimeline([...ids]);
  return incidents
    .filter((i) => isActive(i.status))
    .map((i) => i.id)
    .sort();
}

/** Alerts NEWS looks back through for one meant for the citizen. */
const NEWS_LOOKBACK = 50;

/**
 * The latest advisory for this citizen. Every alert ends "Send NEWS to check an alert is genuine", so
 * NEWS gives back the newest alert that reached this phone: a citizen registered in the capital who
 * reported from Aleppo got the north's alert as a reporter, and must not be answered with an older
 * one of the capital's. A registered citizen also gets a newer alert meant for their region and
 * language that has not reached them (still being sent, or it failed): the newest of the two. One who
 * never registered, and received none, gets the newest alert that went out, whoever it was for (its
 * text names its region).
 */
async function latestAlertFor(ctx: ChatContext, phone: string | undefined): Promise<BroadcastRecord | undefined> {
  const { deps } = ctx;
  const profile = phone ? await senderProfile(ctx, phone) : {};
  const ids = await deps.redis.zrevrange(deps.keys.alertsAll, 0, NEWS_LOOKBACK - 1);
  const records = await Promise.all(ids.map((id) => loadRecord(deps, id)));
  // An alert posted to the cell groups alone was for staff: no citizen reads it through NEWS.
  const sent = records.filter((r): r is BroadcastRecord => !!r && !r.exercise && SENT.has(r.status) && audienceReaches(r.audience));
  const received = await receivedBy(ctx, sent, phone);
  if (!profile.region) {
    const latest = await deps.redis.get(deps.keys.alertLatest);
    return sent.find((r) => received.has(r.id)) ?? (latest ? sent.find((r) => r.id === latest) : undefined) ?? sent[0];
  }
  const who = { region: profile.region, language: profile.language ?? '' };
  // Newest first: the first one received or meant for them.
  return sent.find((r) => received.has(r.id) || audienceReaches(r.audience, who));
}

/**
 * The ids of the alerts whose message reached this phone (sent, delivered or read, as delivery
 * tracking records each recipient), at their number or at the LID WhatsApp showed them by.
 */
async function receivedBy(ctx: ChatContext, alerts: BroadcastRecord[], phone: string | undefined): Promise<Set<string>> {
  const { deps } = ctx;
  const at = [...new Set([phone, ctx.sender.phone, ctx.sender.lid].filter((p): p is string => !!p))];
  if (!alerts.length || !at.length) return new Set();
  const pipeline = deps.redis.pipeline();
  for (const r of alerts) pipeline.hmget(broadcastKeys(deps, 'alert').state(r.id), ...at);
  const states = ((await pipeline.exec()) ?? []).map(([err, value]) => (err ? [] : (value as (string | null)[])));
  return new Set(alerts.filter((_, i) => states[i]?.some((s) => s !== null && QUESTION_WENT_OUT.has(s))).map((r) => r.id));
}

/** Statuses of an alert that went out (or is going out) to citizens. */
const SENT = new Set(['sending', 'sent']);

async function news(ctx: ChatContext, language: string | undefined, phone?: string): Promise<boolean> {
  const { deps } = ctx;
  const alert = await latestAlertFor(ctx, phone);
  const lang = language ?? (deps.config.languages[0] as string);
  if (!alert) {
    await ctx.reply(t(lang, 'noNews', { embassy: deps.config.embassy.name }), 'news');
    return true;
  }
  const date = new Date(alert.createdAt).toISOString().slice(0, 16).replace('T', ' ');
  await ctx.reply(t(lang, 'news', { date: `${date} UTC`, id: alert.id, code: alert.code, text: textIn(deps, alert.text, lang) }), 'news');
  return true;
}
