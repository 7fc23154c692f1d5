import { openIncident } from '../app/incidents/open-incident.ts';
import { incidentStore } from '../app/incidents/shared.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { t } from '../citizens/messages.ts';
import { senderLanguage } from '../citizens/registry.ts';
import { loadRecord, publishChange } from './broadcast-store.ts';
import { EXERCISE_PREFIX } from './render.ts';
import { openChecksUnanswered, recordWelfareAnswer } from './welfare.ts';

/**
 * A citizen answered a welfare check: tally it, thank them; HELP opens a critical incident linked to
 * the check. A SAFE answer with a `remark` is not thanked: intake answers it with its reference.
 * An answer after the check closed is handled the same way, and tallied as late. The answer is
 * tallied too in the other checks it answers (`also`, see checksAnsweredBy: the open ones, and those
 * closed moments ago that they had not answered, as late); the reply and the incident name `id`.
 */
export async function answerWelfareCheck(
  ctx: ChatContext,
  input: {
    id: string;
    also?: string[];
    phone: string;
    /** Who the checks asked, when not `phone`: the LID they were asked at before WhatsApp showed their number. */
    askedAs?: string;
    language: string | undefined;
    answer: 'safe' | 'help';
    people?: number;
    remark?: boolean;
  },
): Promise<boolean> {
  const { deps } = ctx;
  const { late, region, household } = await tally(ctx, input, input.id);
  for (const other of input.also ?? []) await tally(ctx, input, other);
  // A drill's answer is marked EXERCISE wherever it shows.
  const exercise = async () => (await loadRecord(deps, input.id))?.exercise === true;
  const answered = (drill: boolean, word: string) =>
    `${drill ? 'EXERCISE — ' : ''}Welfare check ${input.id}${late ? ' (closed before this answer)' : ''}: the citizen answered ${word} (“${ctx.msg.text ?? ''}”).`;
  if (input.answer === 'safe') {
    if (input.remark) return true;
    // A citizen who reported ("we are hiding from the gunfire") and now answers SAFE: the officer
    // working on that report must learn it, as from a SAFE sent without a check.
    if (await incidentStore(deps).activeOf(input.phone)) {
      await openIncident(deps, {
        reporter: input.phone,
        text: answered(await exercise(), 'SAFE'),
        channel: 'welfare',
        ...(input.language ? { language: input.language } : {}),
        sourceMessageId: ctx.msg.id,
      });
    }
    const people = input.people ?? Number(household ?? 1);
    await ctx.reply(t(input.language, 'welfareSafe', { people }), 'welfare-answer');
    return true;
  }
  // A drill's HELP opens an incident the cell can practise on.
  const drill = await exercise();
  const incident = await openIncident(deps, {
    reporter: input.phone,
    text: answered(drill, 'HELP'),
    channel: 'welfare',
    severity: 'critical',
    ...(input.language ? { language: input.language } : {}),
    ...(region ? { region } : {}),
    links: { welfareCheck: input.id, ...(drill ? { exercise: 'true' } : {}) },
    sourceMessageId: ctx.msg.id,
  });
  // Indexed by the check, so "N need help" leads to them (GET /api/incidents?welfareCheck=). A job
  // retried after a crash before this line finds the same incident (intake is idempotent) and adds it.
  for (const id of [input.id, ...(input.also ?? [])])
    await deps.redis.zadd(deps.keys.welfareIncidents(id), Number(incident.id.slice(4)), incident.id);
  // A HELP that joined the citizen's open report links that report to the check too.
  if (!incident.created) await linkToCheck(ctx, incident.id, input.id);
  deps.log.info({ welfareCheck: input.id, incident: incident.id }, 'welfare HELP opened an incident');
  await ctx.reply(
    t(input.language, 'welfareHelp', { emergency: deps.config.embassy.emergencyNumber ?? '112', id: incident.id }),
    'welfare-answer',
  );
  return true;
}

/** Records the answer in one check (under who it asked), audits it and tells the dashboard. */
async function tally(
  ctx: ChatContext,
  input: { phone: string; askedAs?: string; answer: 'safe' | 'help'; people?: number },
  id: string,
): Promise<Awaited<ReturnType<typeof recordWelfareAnswer>>> {
  const { askedAs, ...answer } = input;
  const asked = askedAs ? { phone: askedAs, registeredAs: input.phone } : {};
  const recorded = await recordWelfareAnswer(ctx.deps, { ...answer, ...asked, id });
  await ctx.deps.audit.append({
    type: 'welfare.answered',
    actor: ctx.sender.actor,
    subject: id,
    data: { answer: input.answer, outcome: recorded.outcome, ...(recorded.late ? { late: recorded.late } : {}) },
  });
  await publishChange(ctx.deps, 'welfare', id);
  return recorded;
}

/** Adds the welfare check to the links of an incident that lacks it (its page then leads to the check). */
async function linkToCheck(ctx: ChatContext, incidentId: string, checkId: string): Promise<void> {
  const store = incidentStore(ctx.deps);
  for (let attempt = 0; attempt < 5; attempt++) {
    const i = await store.get(incidentId);
    if (!i || i.links.welfareCheck) return;
    const next = { status: i.status, severity: i.severity };
    if (await store.update(i, next, { links: { ...i.links, welfareCheck: checkId } }, [])) return;
  }
}

/** 👍 or ✅ (✔️) alone, in any skin tone, once or more. */
const THUMBS_UP = /^(?:(?:\u{1F44D}[\u{1F3FB}-\u{1F3FF}]?|\u2705|\u2714)\uFE0F?\s*)+$/u;

export const isThumbsUp = (text: string | undefined): boolean => THUMBS_UP.test(text?.trim() ?? '');

/**
 * A citizen's 👍 (or ✅) to "are you safe?", which they have not answered: the check asks again, in
 * their language, how to answer it. It is not counted as SAFE: a 👍 may mean "I read it", and a wrong
 * SAFE takes them off the list of those the cell calls. Nor is it thanked ("🙏 You are welcome"), which
 * left them believing they had answered. `only`: the check their reaction is on; otherwise any open
 * check that asked them. False when no open check waits for their answer.
 */
export async function askForWelfareAnswer(ctx: ChatContext, only?: string): Promise<boolean> {
  const { deps, sender } = ctx;
  for (const phone of new Set([sender.phone, sender.lid].filter((p): p is string => !!p))) {
    const [id] = await openChecksUnanswered(deps, phone, only);
    if (!id) continue;
    const r = await loadRecord(deps, id);
    if (!r) continue;
    const language = await senderLanguage(ctx, phone);
    const prefix = r.exercise ? EXERCISE_PREFIX : '';
    await ctx.reply(`${prefix}${deps.config.embassy.name} · ${id}\n\n${t(language, 'welfareQuestion')}`, 'welfare-answer');
    return true;
  }
  return false;
}
