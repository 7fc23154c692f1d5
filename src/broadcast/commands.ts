import type { ChatContext } from '../chat/chat-context.ts';
import { actorOf, requestKey } from '../chat/chat-context.ts';
import { type Command, UsageError } from '../chat/command-registry.ts';
import { matchRegion } from '../citizens/registry.ts';
import { canonicalId, idOfKind } from '../domain/record-id.ts';
import { approveAlert, cancelBroadcast, createAlert } from './alerts.ts';
import type { Audience } from './audience.ts';
import { startWelfareCheck, tallyLine } from './welfare.ts';
import { closeWelfareCheck } from './welfare-close.ts';

/** How many words a region's name may have ("Capital District", "Province du Nord"). */
const REGION_WORDS = 6;

/**
 * `all`, or regions by id, name or alias separated by commas, then the text: "north,coast Stay
 * indoors", "Capital District, coast Curfew from 18:00". A name of several words is taken whole, the
 * longest that names a region: "Capital District Stay indoors" goes to Capital District with "Stay
 * indoors" (cutting at the first space sent citizens "District Stay indoors").
 */
function parseAudience(ctx: ChatContext, rest: string): { audience: Audience; text: string } {
  if (!rest.trim()) throw new UsageError('Say who it goes to: a region or all.');
  const all = /^\s*all(?=[\s,:]|$)[\s,:]*/i.exec(rest);
  if (all) return { audience: { all: true }, text: rest.slice(all[0].length).trim() };
  const regions: string[] = [];
  let pos = 0;
  for (;;) {
    const tail = rest.slice(pos);
    const words = [...tail.matchAll(/[^\s,:]+/g)].slice(0, REGION_WORDS);
    const start = words[0]?.index ?? 0;
    let taken: { id: string; end: number } | undefined;
    for (let k = words.length; k >= 1 && !taken; k--) {
      const last = words[k - 1] as RegExpExecArray;
      const end = last.index + last[0].length;
      const name = tail.slice(start, end);
      if (/[,:]/.test(name)) continue;
      const id = matchRegion(ctx.deps, name);
      if (id) taken = { id, end };
    }
    if (!taken) {
      const known = ctx.deps.config.regions.map((r) => r.id).join(', ');
      const given = words[0]?.[0] ?? tail.trim();
      throw new UsageError(`Unknown region "${given}". Regions: ${known}, or all.`);
    }
    regions.push(taken.id);
    pos += taken.end;
    const comma = /^\s*,\s*/.exec(rest.slice(pos));
    if (!comma) break;
    pos += comma[0].length;
  }
  return {
    audience: { regions: [...new Set(regions)] },
    text: rest
      .slice(pos)
      .replace(/^\s*:?\s*/, '')
      .trim(),
  };
}

/** `/alert|/welfare AUDIENCE text`: the audience, and the text (keyed by the default language) after it. */
function audienceAndText(ctx: ChatContext): { audience: Audience; text?: Record<string, string> } {
  const rest = (ctx.msg.text ?? '').trim().replace(/^\/\w+/, '');
  const { audience, text } = parseAudience(ctx, rest);
  return { audience, ...(text ? { text: { [ctx.deps.config.languages[0] as string]: text } } : {}) };
}

/**
 * The id a command names (upper-cased; a number alone is of `bare`'s kind when the command takes
 * only that kind); when it is none, a UsageError saying what to give (`hint` of what was given).
 */
function idArg(args: string[], pattern: RegExp, hint: string | ((given: string) => string), bare?: 'WFC'): string {
  const id = bare ? idOfKind(bare, args[0] ?? '') : canonicalId(args[0] ?? '');
  if (!pattern.test(id)) throw new UsageError(typeof hint === 'string' ? hint : hint(id));
  return id;
}

/** `/alert REGION|all text`, `/approve ALERT`, `/cancel ALERT|CHECK`, `/welfare REGION|all [text]`, `/close CHECK`. */
export function broadcastCommands(): Command[] {
  return [
    {
      name: 'alert',
      summary: 'draft a consular alert to citizens (a second officer approves large ones)',
      usage: 'REGION|all text',
      role: 'officer',
      async run(ctx) {
        const { audience, text } = audienceAndText(ctx);
        if (!text) throw new UsageError('The alert has no text.');
        // From the cell, an alert to a region means everyone there the embassy knows of: the
        // registered, and who reported from there without registering.
        const a = await createAlert(ctx.deps, {
          author: actorOf(ctx),
          audience: { ...audience, reporters: true },
          text,
          source: `chat:${ctx.msg.id}`,
          toldInCell: ctx.inCellGroup,
        });
        const next =
          a.total === 0
            ? '⚠️ No registered citizen or recent reporter matches this audience: nobody will receive it. Check the region, or use /alert all.'
            : a.status === 'pending_approval'
              ? `Waiting for a second officer: /approve ${a.id}.`
              : // The same message handled again (its job retried) finds the alert as it is since.
                a.status === 'cancelled'
                ? 'It was cancelled: nothing more goes out.'
                : a.status === 'sent'
                  ? 'It has been sent.'
                  : 'Sending now.';
        const untranslated = Object.entries(a.untranslated ?? {})
          .map(([language, n]) => `${n} read ${language}`)
          .join(', ');
        const note = untranslated ? ` ${untranslated}: they will get the ${a.fallback} text.` : '';
        const reporters = a.reporters ? ` (${a.reporters} of them reported from there without registering)` : '';
        // The second officer approves what they read here: the words, whole.
        const words = a.status === 'pending_approval' && a.total > 0 ? `\nIt says:\n“${Object.values(text)[0]}”` : '';
        await ctx.reply(
          `Alert ${a.id} (verification code ${a.code}) to ${a.total} recipient(s)${reporters}. ${next}${note}${words}`,
          'alert-draft',
        );
      },
    },
    {
      name: 'approve',
      summary: 'approve an alert another officer drafted',
      usage: 'ALERT',
      role: 'duty_officer',
      async run(ctx, args) {
        const id = idArg(args, /^ALR-\d+$/, 'Give the alert id, e.g. ALR-0007.');
        const { approvedBy } = await approveAlert(ctx.deps, { id, approver: actorOf(ctx), toldInCell: ctx.inCellGroup });
        // Two duty officers approving at the same moment: the second is not told it was theirs.
        const text =
          approvedBy === actorOf(ctx).name
            ? `Alert ${id} approved by ${approvedBy}; sending now.`
            : `Alert ${id} was already approved by ${approvedBy}; it is sending. Nothing more to do.`;
        await ctx.reply(text, 'alert-approved');
      },
    },
    {
      name: 'cancel',
      summary: 'stop an alert or welfare check; queued messages are not sent',
      usage: 'ALERT|CHECK',
      role: 'duty_officer',
      async run(ctx, args) {
        const id = idArg(args, /^(ALR|WFC)-\d+$/, 'Give the alert or welfare check id, e.g. ALR-0007.');
        await cancelBroadcast(ctx.deps, { id, actor: actorOf(ctx), request: requestKey(ctx), toldInCell: ctx.inCellGroup });
        await ctx.reply(`${id} cancelled: nothing more will be sent.`, 'broadcast-cancelled');
      },
    },
    {
      name: 'welfare',
      summary: 'ask citizens "are you safe?" (1 SAFE / 2 HELP)',
      usage: 'REGION|all [text]',
      role: 'duty_officer',
      async run(ctx) {
        const w = await startWelfareCheck(ctx.deps, {
          author: actorOf(ctx),
          ...audienceAndText(ctx),
          source: `chat:${ctx.msg.id}`,
          toldInCell: ctx.inCellGroup,
        });
        // "Sent to 0" reads like a check under way: say that nobody was asked, and why, and that it
        // is closed already (nothing to wait for, nothing to /close).
        const text =
          w.total === 0
            ? `⚠️ Welfare check ${w.id} reached nobody: no registered citizen matches this audience (a welfare check asks registered citizens only), so it was closed at once. Check the region, or use /welfare all.`
            : `Welfare check ${w.id} sent to ${w.total} recipient(s). Tallies: /sitrep or GET /api/welfare-checks/${w.id}`;
        await ctx.reply(text, 'welfare-started');
      },
    },
    {
      name: 'close',
      summary: 'close a welfare check: no more reminders or follow-ups, final tally to the cell; late answers still count',
      usage: 'CHECK',
      role: 'duty_officer',
      async run(ctx, args) {
        // /close closes welfare checks only, so a number alone (`/close 3`) is WFC-0003, as `/stop 3` is a run.
        const id = idArg(
          args,
          /^WFC-\d+$/,
          (given) =>
            /^INC-\d+$/.test(given)
              ? 'An incident is closed with /resolve. /close is for welfare checks.'
              : 'Give the welfare check id, e.g. WFC-0003 (or 3).',
          'WFC',
        );
        const w = await closeWelfareCheck(ctx.deps, { id, actor: actorOf(ctx), reason: 'officer', request: requestKey(ctx) });
        // In a cell group the final tally follows as its own post; elsewhere, it is said here too.
        const tally = ctx.inCellGroup ? '' : `\nFinal tally: ${tallyLine(w.closed ?? w)}.`;
        await ctx.reply(`Welfare check ${id} closed: no reminder or follow-up will go out for it any more.${tally}`, 'welfare-closed');
      },
    },
  ];
}
