import { acknowledge, addNote, assign, changedBy, changeStatus, messageReporter, retriage } from '../../app/incidents/lifecycle.ts';
import {
  acknowledgedLine,
  excerpt,
  incidentLine,
  incidentStore,
  postToCellGroups,
  regionName,
  reporterLabel,
  reporterTold,
  staffName,
} from '../../app/incidents/shared.ts';
import type { SitrepSection } from '../../app/incidents/sitrep.ts';
import { buildSitrep } from '../../app/incidents/sitrep.ts';
import { refOfSentMessage } from '../../app/sent-ref.ts';
import { matchRegion } from '../../citizens/registry.ts';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import {
  ACTIVE_STATUSES,
  CATEGORIES,
  type Category,
  type Incident,
  isActive,
  parseIncidentId,
  SEVERITIES,
  type Severity,
  STATUSES,
  type TimelineEntry,
} from '../../domain/incident.ts';
import { joinSplitId } from '../../domain/record-id.ts';
import { toE164 } from '../../domain/roster.ts';
import { westernDigits, withoutInvisible } from '../../domain/text-normalise.ts';
import { PRIORITY } from '../../queues/queues.ts';
import { actorOf, type ChatContext, requestKey } from '../chat-context.ts';
import { type Command, trimCommand, UsageError } from '../command-registry.ts';

/** How many incidents one /ack takes: a digest lists at most a screenful. */
const MAX_ACK = 20;

function idArg(arg: string | undefined): string {
  const id = parseIncidentId(arg);
  if (!id) throw new UsageError(arg ? `"${arg}" is not an incident id (like INC-0042).` : 'Which incident?');
  return id;
}

/** What a command says after the incident id (`/note INC-0042 the words`: "the words"). */
/** The words after the id (its first word as typed, invisible marks and all, skipped). */
const afterId = (args: string[], rest: string): string => (args[0] === undefined ? '' : trimCommand(rest.replace(/^\S+/, '')));

/** The incident a command names, or a not-found error the command answers with. */
async function incidentArg(ctx: ChatContext, arg: string | undefined): Promise<Incident> {
  const id = idArg(arg);
  const i = await incidentStore(ctx.deps).get(id);
  if (!i) throw new NotFoundError('incident', id);
  return i;
}

/** Other words for the /incidents filters. */
const FILTER_WORDS: Record<string, string> = {
  unacknowledged: 'open',
  unacked: 'open',
  new: 'open',
  acked: 'acknowledged',
  inprogress: 'in_progress',
  // The active ones are what /incidents lists without a filter (the API's status=active).
  active: '',
};
/** Incidents one /incidents reply lists, and the last page it reaches (1,000 incidents). */
const LIST_MAX = 20;
const MAX_PAGE = 50;

/**
 * A command about one incident (`/ack ID`, `/note ID text`...) sent as a reply to that incident's
 * card or update may leave the ID out: the card says which incident it is. An ID written out
 * (`INC-0002`) is the incident meant. A bare number that is not the card's own (`/resolve 2
 * ambulances sent` on INC-0008's card) may be either another incident or the start of the text:
 * guessing would resolve someone else's report and tell the wrong citizen, so nothing is done and
 * the officer is asked to say which.
 */
const FREE_TEXT = /text|what was done/;

function idFromRepliedCard(command: Command): Command {
  if (!command.usage?.startsWith('ID')) return command;
  return {
    ...command,
    async run(ctx, args, rest) {
      const ref = ctx.msg.replyTo ? await refOfSentMessage(ctx.deps, ctx.msg.replyTo) : undefined;
      const card = ref?.startsWith('incident:') ? ref.slice('incident:'.length) : undefined;
      if (!card) return command.run(ctx, args, rest);
      const named = parseIncidentId(args[0]);
      if (!named) return command.run(ctx, [card, ...args], rest ? `${card} ${rest}` : card);
      if (named !== card && /^\d+$/.test(args[0] ?? '')) {
        const later = incidentIdsOnly(args.slice(1));
        if (later) {
          // "/ack 7 8" on INC-0009's card: "/ack INC-0009 8" would take INC-0008 too. Only ids follow: none is text.
          const words = FREE_TEXT.test(command.usage ?? '') ? ' …' : '';
          const all = [...new Set([named, ...later])];
          const other =
            command.name === 'ack' ? `/ack ${all.join(' ')} for ${all.join(' and ')}` : `/${command.name} ${named}${words} for ${named}`;
          throw new ValidationError(
            `Nothing done: you replied to ${card}'s card but wrote "${args[0]}", which could be ${named}. Send /${command.name} ${card}${words} for ${card}, or ${other}.`,
          );
        }
        const after = afterId(args, rest);
        // For a note or a resolution the number may be the start of the text: keep it in the suggestion.
        const onCard = FREE_TEXT.test(command.usage ?? '') ? [args[0], after] : [after];
        throw new ValidationError(
          `Nothing done: you replied to ${card}'s card but wrote "${args[0]}", which could be ${named}. ` +
            `Send /${command.name} ${[card, ...onCard].filter(Boolean).join(' ')} for ${card}, or /${command.name} ${named}${after ? ' …' : ''} for ${named}.`,
        );
      }
      return command.run(ctx, args, rest);
    },
  };
}

/** Staff commands on incidents: /sitrep /incidents /incident /ack /assign /note /resolve /severity /category /region /reopen. */
/** The attachments /media forwards at most, the latest. */
const MEDIA_SHOWN = 5;

export function incidentCommands(sitrepSections: () => SitrepSection[]): Command[] {
  return commands(sitrepSections).map(oneIncidentAtATime).map(idFromRepliedCard);
}

/**
 * The commands about one incident whose words after the id are read as text (sent to its reporter,
 * noted) or not read at all. `/resolve 1 2` resolved INC-0001 only and told its citizen “2” as what
 * was done; `/reopen 4 5` reopened INC-0004 only. Several ids are refused, naming each command to send:
 * a citizen is told their case is closed only by a command that names theirs alone.
 */
const ONE_AT_A_TIME = new Set(['resolve', 'reply', 'note', 'progress', 'reopen']);

function oneIncidentAtATime(command: Command): Command {
  if (!ONE_AT_A_TIME.has(command.name)) return command;
  return {
    ...command,
    async run(ctx, args, rest) {
      const typed = incidentIdsOnly(args);
      // "/resolve 4 4" too: the second 4 is no words for the reporter.
      if (typed && typed.length > 1) {
        const ids = [...new Set(typed)];
        const words = command.usage?.replace(/^ID\s*/, '').replace(/[[\]]/g, '');
        const each = ids.slice(0, MAX_ACK).map((id) => `/${command.name} ${id}${words ? ` ${words}` : ''}`);
        const more = ids.length > MAX_ACK ? `, and so on for the ${ids.length - MAX_ACK} more` : '';
        const why =
          ids.length > 1
            ? `/${command.name} is for one incident at a time, and you named ${ids.slice(0, MAX_ACK).join(', ')}`
            : `you wrote ${ids[0]} twice`;
        throw new ValidationError(`Nothing done: ${why}. Send ${each.join(', then ')}${more}.`);
      }
      return command.run(ctx, args, rest);
    },
  };
}

/** The incident ids typed, when every word is one as /ack reads them ("1 2", "1,2", "INC 1 INC-2", "4 and 5"); undefined when one is not. */
function incidentIdsOnly(words: string[]): string[] | undefined {
  // "and" in English, French and Arabic ("4 و 5", or "و5" written onto the number); "," or the Arabic "،".
  const parts = words
    .flatMap((w) => w.split(/[,،]/))
    .map((w) => w.replace(/^و(?=[#\d])/, ''))
    .filter((w) => w && !/^(and|et|&|\+|و)$/i.test(w));
  const ids = joinSplitIds(parts).map((w) => parseIncidentId(w));
  if (ids.length === 0 || ids.some((id) => id === undefined)) return undefined;
  return ids as string[];
}

function commands(sitrepSections: () => SitrepSection[]): Command[] {
  return [
    {
      name: 'sitrep',
      summary: 'situation report: incidents, escalations, alerts, welfare',
      role: 'viewer',
      async run(ctx) {
        await ctx.reply(await buildSitrep(ctx.deps, sitrepSections()), 'sitrep');
      },
    },
    {
      name: 'incidents',
      usage: '[open|acknowledged|in_progress|resolved|critical|high|medium|low] [page]',
      summary: 'the most urgent active incidents: unacknowledged first, by severity, longest waiting first; 20 a page',
      role: 'viewer',
      async run(ctx, args) {
        const words = args.map((a) => a.toLowerCase());
        const pageWord = words.find((w) => /^\d+$/.test(w));
        // "in progress", "in-progress", "unacknowledged": the words staff use for the statuses.
        const typed = words
          .filter((w) => w !== pageWord)
          .join('_')
          .replace(/-/g, '_');
        const filter = typed ? (FILTER_WORDS[typed] ?? typed) || undefined : undefined;
        const page = pageWord ? Number(pageWord) : 1;
        if (page < 1 || page > MAX_PAGE) throw new UsageError(`Pages run from 1 to ${MAX_PAGE}.`);
        const status = STATUSES.find((s) => s === filter);
        const severity = SEVERITIES.find((s) => s === filter);
        if (filter && !status && !severity) throw new UsageError(`Unknown filter "${filter}".`);
        const store = incidentStore(ctx.deps);
        let upTo: Omit<Incident, 'timeline'>[];
        let total: number;
        const finished = status !== undefined && !isActive(status);
        if (finished) {
          // Finished work: the most recent is what staff look for.
          upTo = (await store.listWithoutTimeline({ status, limit: LIST_MAX * page })).items;
          total = Object.values((await store.counts([status], SEVERITIES))[status] ?? {}).reduce((a, b) => a + b, 0);
        } else {
          // A flood must not hide an old critical report below twenty new ones.
          ({ items: upTo, total } = await store.mostUrgent(
            status ? [status] : ACTIVE_STATUSES,
            severity ? [severity] : SEVERITIES,
            LIST_MAX * page,
          ));
        }
        const items = upTo.slice(LIST_MAX * (page - 1));
        const label = filter ? ` (${filter})` : ' needing attention';
        const order = finished ? 'most recent first' : 'most urgent first';
        const first = LIST_MAX * (page - 1) + 1;
        const shown = total > items.length ? `, ${first}–${first + items.length - 1} shown (${order})` : '';
        const next =
          first + items.length - 1 < total ? `\nSend /incidents ${filter ? `${filter} ` : ''}${page + 1} for the next ${LIST_MAX}.` : '';
        await ctx.reply(
          items.length
            ? [`Incidents${label}: ${total}${shown}`, ...items.map((i) => incidentLine(ctx.deps, i))].join('\n') + next
            : page > 1
              ? `No incidents on page ${page}${filter ? ` (${filter})` : ''}: there are ${total}.`
              : `No incidents${filter ? ` (${filter})` : ' need attention'}.`,
          'list',
        );
      },
    },
    {
      name: 'incident',
      aliases: ['i'],
      usage: 'ID',
      summary: 'details and timeline of one incident',
      role: 'viewer',
      async run(ctx, args) {
        const i = await incidentArg(ctx, args[0]);
        const lines = [
          `${i.id} · ${i.status.replace('_', ' ')} · ${i.severity} · ${i.category.replace('_', ' ')} · ${regionName(ctx.deps, i.region)}`,
          `Reporter: ${reporterLabel(ctx.deps, i.reporter, 'erased')} (${i.language}) · assignee: ${staffName(ctx.deps, i.assignee)}`,
          ...(i.location ? [`📍 https://maps.google.com/?q=${i.location.lat},${i.location.lng}`] : []),
          `“${i.summary}”`,
          'Timeline (UTC):',
          ...i.timeline.slice(-12).map((e) => `  ${timelineTime(e.at, ctx.deps.now())} ${e.actor}: ${timelineLine(e)}`),
          ...(i.timeline.slice(-12).some((e) => (e.text?.length ?? 0) > ENTRY_SHOWN) ? [ENTRY_CUT] : []),
        ];
        // About this incident, as its card is: a 👍 takes it, a reply takes it and is noted (or, turning it down, is only noted).
        await ctx.reply(lines.join('\n'), 'detail', `incident:${i.id}`);
      },
    },
    {
      name: 'media',
      usage: 'ID',
      summary: 'the photos, videos, voice notes and documents the reporter sent, forwarded here (the 5 latest)',
      role: 'viewer',
      async run(ctx, args) {
        const i = await incidentArg(ctx, args[0]);
        const sent = i.timeline
          .filter((e) => e.actor === 'reporter' && e.messageId && typeof e.data?.media === 'string')
          .slice(-MEDIA_SHOWN);
        if (sent.length === 0) {
          await ctx.reply(`${i.id} has no photo, video, voice note or document from the reporter.`, 'detail');
          return;
        }
        await ctx.reply(`📎 ${i.id}: ${sent.length} from the reporter, forwarded below (oldest first).`, 'detail');
        // Forwarded with WhatsApp's Forward, as the cell's own copy would be; asked again, sent again.
        for (const e of sent) {
          await ctx.deps.outbox.send(
            {
              to: ctx.msg.chat,
              forward: { messageId: e.messageId as string, media: String(e.data?.media) },
              kind: 'media',
              idempotencyKey: `media:${e.messageId}:${ctx.msg.id}`,
              ref: `incident:${i.id}`,
            },
            PRIORITY.staff,
          );
        }
      },
    },
    {
      name: 'ack',
      usage: 'ID [ID…]',
      summary: 'acknowledge one or more incidents (or 👍 a card)',
      role: 'officer',
      async run(ctx, args) {
        if (args.length <= 1 && !args[0]?.includes(',')) {
          const i = await acknowledge(ctx.deps, { id: idArg(args[0]), actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
          await confirmChange(ctx, acknowledgedLine(ctx.deps, actorOf(ctx).name, i), i.id);
          return;
        }
        // "/ack 9 10 12" after a digest: each is taken (or its refusal said), in one answer; a
        // word that is no id refuses the whole command before anything is taken.
        const ids = [...new Set(joinSplitIds(args.flatMap((a) => a.split(',')).filter(Boolean)).map(idArg))];
        if (ids.length > MAX_ACK) throw new UsageError(`At most ${MAX_ACK} incidents at once.`);
        const lines: string[] = [];
        const taken: { id: string; line: string }[] = [];
        for (const id of ids) {
          try {
            const i = await acknowledge(ctx.deps, { id, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx, `ack:${id}`) });
            const line = acknowledgedLine(ctx.deps, actorOf(ctx).name, i);
            lines.push(line);
            taken.push({ id: i.id, line });
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            lines.push(`⚠️ ${err.message}: nothing done.`);
          }
        }
        await ctx.reply(lines.join('\n'), 'confirmation');
        // The cell groups hear of what was taken, not of the refusals of a command asked elsewhere.
        if (taken.length) await mirrorToCell(ctx, taken.map((t) => t.line).join('\n'), (taken[0] as { id: string }).id);
      },
    },
    {
      name: 'assign',
      usage: 'ID +phone|name|me',
      summary: 'give an incident to a member of staff',
      role: 'officer',
      async run(ctx, args, rest) {
        const id = idArg(args[0]);
        const who = afterId(args, rest);
        if (!who) throw new UsageError('Assign to whom?');
        const phone = assigneePhone(ctx, who);
        const i = await assign(ctx.deps, { id, assignee: phone, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
        // Given to someone, a resolved incident is still resolved: nobody is working on it until it is reopened.
        const waiting =
          i.status === 'open'
            ? ' It is not acknowledged yet: the reporter has not been told.'
            : i.status === 'resolved'
              ? ` It is resolved: /reopen ${i.id} to work on it again.`
              : '';
        await confirmChange(ctx, `📌 ${i.id} is now with ${staffName(ctx.deps, i.assignee)}.${waiting}`, i.id);
      },
    },
    {
      name: 'note',
      usage: 'ID text',
      summary: "add a note to an incident's timeline",
      role: 'officer',
      async run(ctx, args, rest) {
        const id = idArg(args[0]);
        const text = afterId(args, rest);
        if (!text) throw new UsageError('The note is empty.');
        await addNote(ctx.deps, { id, text, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
        await ctx.reply(`📝 Noted on ${id}.`, 'confirmation');
      },
    },
    {
      name: 'reply',
      usage: 'ID text',
      summary: 'write to the citizen who reported, from the embassy number (their answer joins the report)',
      role: 'officer',
      async run(ctx, args, rest) {
        const id = idArg(args[0]);
        const text = afterId(args, rest);
        if (!text) throw new UsageError('Write the message after the incident id: /reply INC-0042 Are you still at the hotel?');
        const i = await messageReporter(ctx.deps, { id, text, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
        const answer = isActive(i.status)
          ? `their answer will join ${i.id}.`
          : `${i.id} is ${i.status}: their answer opens a new report that names ${i.id}, and you are told (/reopen ${i.id} first to keep it in this one).`;
        await ctx.reply(`📤 Sent to the reporter of ${i.id} (${reporterLabel(ctx.deps, i.reporter, 'erased')}); ${answer}`, 'confirmation');
      },
    },
    {
      name: 'resolve',
      usage: 'ID [what was done]',
      summary: 'mark an incident resolved (/reopen undoes it); the reporter is told, with what was done as you wrote it',
      role: 'officer',
      async run(ctx, args, rest) {
        const id = idArg(args[0]);
        const text = afterId(args, rest);
        const i = await changeStatus(ctx.deps, {
          id,
          to: 'resolved',
          actor: actorOf(ctx),
          channel: 'chat',
          key: requestKey(ctx),
          ...(text ? { text } : {}),
        });
        // The words go to the citizen as written: the officer who typed them must know it.
        const told = text && i.reporter ? `${reporterTold(i)}, with the words “${text}”` : reporterTold(i);
        await confirmChange(ctx, `✔️ ${i.id} resolved; ${told}.`, i.id);
      },
    },
    {
      name: 'progress',
      usage: 'ID',
      summary: 'mark an incident in progress (also reopens a resolved one)',
      role: 'officer',
      async run(ctx, args) {
        const i = await changeStatus(ctx.deps, {
          id: idArg(args[0]),
          to: 'in_progress',
          actor: actorOf(ctx),
          channel: 'chat',
          key: requestKey(ctx),
        });
        await confirmChange(ctx, `🛠 ${i.id} is in progress.`, i.id);
      },
    },
    {
      name: 'reopen',
      usage: 'ID',
      summary: 'reopen a resolved incident (in progress again; the reporter is told)',
      role: 'officer',
      async run(ctx, args) {
        const found = await incidentArg(ctx, args[0]);
        // A retried /reopen finds the incident it reopened itself: it finishes (tells the reporter), not refuses.
        if (found.status !== 'resolved' && !changedBy(found, requestKey(ctx))) {
          throw new ConflictError('not_resolved', `${found.id} is ${found.status.replace('_', ' ')}, not resolved: nothing to reopen.`);
        }
        const i = await changeStatus(ctx.deps, {
          id: found.id,
          to: 'in_progress',
          actor: actorOf(ctx),
          channel: 'chat',
          key: requestKey(ctx),
        });
        await confirmChange(
          ctx,
          `🔄 ${i.id} reopened: in progress again, with ${staffName(ctx.deps, i.assignee)}; ${reporterTold(i)}.`,
          i.id,
        );
      },
    },
    retriageCommand('severity', SEVERITIES, (v) => ({ severity: v as Severity })),
    retriageCommand('category', CATEGORIES, (v) => ({ category: v as Category })),
    {
      name: 'region',
      usage: 'ID REGION',
      summary: "correct an incident's region",
      role: 'officer',
      async run(ctx, args, rest) {
        const id = idArg(args[0]);
        const regions = `Regions: ${ctx.deps.config.regions.map((r) => r.id).join(', ')}`;
        // By id, name or alias, as /alert takes them: "Northern Province", "Aleppo".
        const typed = afterId(args, rest);
        if (!typed) throw new UsageError(regions);
        const region = matchRegion(ctx.deps, typed);
        if (!region) throw new UsageError(`Unknown region "${typed}". ${regions}.`);
        const i = await retriage(ctx.deps, { id, region, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
        await confirmChange(ctx, `${i.id} region is now ${regionName(ctx.deps, i.region)}.`, i.id);
      },
    },
  ];
}

/**
 * Confirms a change to an incident where it was asked. The other cell groups are told too (asked in a
 * direct message to the embassy number or a breakout group: all of them): they watch every case, and
 * a card taken elsewhere would otherwise look untaken there, and be taken twice.
 */
export async function confirmChange(ctx: ChatContext, text: string, incidentId: string): Promise<void> {
  await ctx.reply(text, 'confirmation');
  await mirrorToCell(ctx, text, incidentId);
}

/** A change asked in a DM, a breakout group or one of the cell groups, said in the other cell groups (see confirmChange). */
export async function mirrorToCell(ctx: ChatContext, text: string, incidentId: string): Promise<void> {
  const chat = ctx.msg.chat;
  const here = ctx.inCellGroup && chat.kind === 'group' ? chat.id : undefined;
  const groups = ctx.deps.config.cellGroups;
  if (here && groups.every((g) => g.id === here)) return;
  const where = here
    ? `in “${groups.find((g) => g.id === here)?.name ?? 'another cell group'}”`
    : chat.kind === 'dm'
      ? 'in a direct message'
      : 'in a breakout group';
  await postToCellGroups(
    ctx.deps,
    `${text} (${actorOf(ctx).name}, ${where})`,
    `mirror:${ctx.msg.id}`,
    'update',
    `incident:${incidentId}`,
    here,
  );
}

/** Ids typed as two words, each joined: "/ack INC 9 INC 10" takes INC-9 and INC-10 (joinSplitId joins the first only). */
function joinSplitIds(words: string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const joined = joinSplitId(words.slice(k, k + 2), '').args;
    out.push(joined[0] as string);
    if (joined.length === 1 && k + 1 < words.length) k++;
  }
  return out;
}

/**
 * Who `/assign` names: `me`, a phone as WhatsApp shows it ("+1 555 000 0003"), or a rostered
 * person's name as typed on a phone ("Ana", "chloe officer").
 */
function assigneePhone(ctx: ChatContext, typed: string): string {
  // Digits as an Arabic keyboard types them ("١٥٥٥…"), and a WhatsApp mention, which writes a number as
  // "@15550000003": its digits are the full international number. A name typed as a mention
  // ("@Chloe Officer") is that name.
  const who = westernDigits(withoutInvisible(typed))
    .replace(/^@(?=\d)/, '+')
    .replace(/^@\s*/, '');
  if (who.toLowerCase() === 'me') {
    if (!ctx.sender.phone) throw new UsageError('Your phone number is not known here: give your name or phone.');
    return ctx.sender.phone;
  }
  if (/^[+(\d]/.test(who)) {
    const phone = toE164(who.replace(/[\s().-]/g, ''), ctx.deps.config.embassy.country);
    if (!phone) throw new UsageError(`"${who}" is not a phone number.`);
    return phone;
  }
  const staff = ctx.deps.roster.byName(who);
  const [only] = staff;
  if (only && staff.length === 1) return only.phone;
  if (staff.length > 1)
    throw new UsageError(`"${who}" could be ${staff.map((s) => s.name).join(' or ')}: give the full name or the phone.`);
  throw new UsageError(`Nobody on the staff roster is called "${who}": give a name as the roster lists it, or a phone.`);
}

/**
 * When a timeline entry was written, in UTC: the time alone today, with the day before today
 * ("24 Nov 14:05"): an entry three days old must not read as this afternoon's.
 */
function timelineTime(at: string, now: number): string {
  const time = at.slice(11, 16);
  if (at.slice(0, 10) === new Date(now).toISOString().slice(0, 10)) return time;
  return `${new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })} ${time}`;
}

/**
 * One timeline entry for /incident: what changed and to what, and the words given with it
 * ("status acknowledged → resolved — passport reissued", "assigned → Ana Duty").
 */
function timelineLine(e: TimelineEntry): string {
  const shown = (v: unknown) => (v === null || v === undefined ? 'none' : String(v).replace('_', ' '));
  const change =
    e.type === 'assigned'
      ? ` → ${e.data?.assignee ? String(e.data.assignee) : 'nobody'}`
      : e.data && 'to' in e.data
        ? ` ${shown(e.data.from)} → ${shown(e.data.to)}`
        : '';
  return `${e.type}${change}${e.text ? ` — ${excerpt(e.text, ENTRY_SHOWN)}` : ''}`;
}

/** The characters of an entry's words /incident shows: twelve 10,000-character messages made an answer WhatsApp cannot carry. */
const ENTRY_SHOWN = 600;
const ENTRY_CUT = `(Entries longer than ${ENTRY_SHOWN} characters are cut here; the dashboard and GET /api/incidents/ID show them whole.)`;

function retriageCommand(
  name: 'severity' | 'category',
  values: readonly string[],
  pick: (v: string) => { severity?: Severity; category?: Category },
): Command {
  return {
    name,
    usage: `ID ${values.join('|')}`,
    summary: `override an incident's ${name}`,
    role: 'officer',
    async run(ctx, args) {
      const id = idArg(args[0]);
      // "missing person" is missing_person.
      const value = args.slice(1).join('_').replace(/-/g, '_').toLowerCase() || undefined;
      if (!value || !values.includes(value)) throw new UsageError(`Choose one of: ${values.join(', ')}.`);
      const i = await retriage(ctx.deps, { id, ...pick(value), actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
      // Said in the cell groups too when changed from a DM: a card still showing LOW is skipped there.
      await confirmChange(ctx, `${i.id} ${name} is now ${value}.`, i.id);
    },
  };
}
