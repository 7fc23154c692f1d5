import { actorOf } from '../chat/chat-context.ts';
import type { Command } from '../chat/command-registry.ts';
import { UsageError } from '../chat/command-registry.ts';
import { idOfKind } from '../domain/record-id.ts';
import { toE164 } from '../domain/roster.ts';
import { cutText } from '../domain/text-normalise.ts';
import { type HuddleMember, requestHuddle } from './huddle.ts';
import type { PlaybookRunner } from './runner.ts';
import { runLine } from './views.ts';

/** Quotes around a whole value ("Old Town", “Old Town”, 'Old Town'), as phones type them. */
const QUOTED = /^["“”«'‘’](.*)["“”»'‘’]$/s;
/** A value that opens a quote, and a word that closes one. */
const OPENS = /^["“”«'‘’]/;
const CLOSES = /["“”»'‘’]$/;
/** A word that says "this is a drill" without being the `exercise=true` switch. */
const DRILL_WORD = /^[-–—([]*(exercise|exercice|drill|test|practice)[)\].!]*$/i;

/**
 * Splits `key=value` arguments; `exercise=true` is the exercise switch, not a parameter. A value
 * may hold spaces (`region=Northern Province`, `place="Old Town"`): words that are not `key=value`
 * belong to the value before them, and a quoted value runs to its closing quote, whatever it holds.
 * Refused, with nothing started: an empty value (`magnitude=` read as part of the value before it
 * answered "region must be one of …, not "coast magnitude=""), and a quote never closed (its run's
 * messages read `Attack at "Central station`).
 */
export function parseRunArgs(args: string[]): { params: Record<string, string>; exercise: boolean } {
  // No prototype: `__proto__=x` is a parameter like any other (and refused as unknown), not a no-op.
  const params: Record<string, string> = Object.create(null);
  let exercise = false;
  let last: string | undefined;
  /** The parameter whose quoted value is still open. */
  let open: string | undefined;
  const given = new Set<string>();
  for (const a of args) {
    if (open !== undefined) {
      params[open] = `${params[open]} ${a}`;
      if (CLOSES.test(a)) open = undefined;
      continue;
    }
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/s.exec(a);
    if (!m) {
      // `… magnitude=6.8 exercise` would otherwise start a real run for magnitude "6.8 exercise":
      // citizens alerted in what the officer meant as a drill. A quoted value may hold the word.
      if (DRILL_WORD.test(a))
        throw new UsageError(
          `"${a}" on its own does not make a drill: write exercise=true (nothing was started). A value holding the word goes in quotes: place="${a} site".`,
        );
      if (last === undefined) throw new UsageError(`"${a}" is not key=value.`);
      params[last] = `${params[last]} ${a}`;
      continue;
    }
    const [, typed, value] = m as unknown as [string, string, string];
    // `Exercise=true` (a phone's capital) is the switch too, not a parameter the playbook lacks.
    const key = typed.toLowerCase() === 'exercise' ? 'exercise' : typed;
    // region=north … region=coast: which one was meant? A run for the wrong region alerts the wrong citizens.
    if (given.has(key)) throw new UsageError(`${key} is given twice: give it once.`);
    given.add(key);
    if (key === 'exercise') {
      if (!/^(true|false|yes|no)$/i.test(value)) throw new UsageError('exercise must be true or false.');
      exercise = /^(true|yes)$/i.test(value);
      last = undefined;
    } else {
      params[key] = value;
      last = key;
      if (OPENS.test(value) && !(value.length > 1 && CLOSES.test(value))) open = key;
    }
  }
  if (open !== undefined) {
    const typed = params[open] ?? '';
    throw new UsageError(
      `The quote opened in ${open}=${cutText(typed, 40)}${typed.length > 40 ? '…' : ''} is not closed: close it after the value (${open}="…"), nothing was started.`,
    );
  }
  for (const [k, v] of Object.entries(params)) {
    params[k] = (QUOTED.exec(v.trim())?.[1] ?? v).trim();
    if (!params[k]) throw new UsageError(`${k} needs a value: write ${k}=… or leave it out (nothing was started).`);
  }
  return { params, exercise };
}

/** `/run`, `/runs`, `/stop`, `/huddle`. */
export function playbookCommands(runner: PlaybookRunner): Command[] {
  return [runCommand(runner), runsCommand(runner), stopCommand(runner), handledCommand(runner), huddleCommand()];
}

function libraryList(runner: PlaybookRunner): string {
  return [...runner.library.values()]
    .map((pb) => {
      const params = Object.entries(pb.parameters).map(([k, p]) => (p.required ? `${k}=…` : `[${k}=…]`));
      return `• ${pb.id} ${params.join(' ')} — ${pb.title}`;
    })
    .join('\n');
}

/** `/run PLAYBOOK key=value ... [exercise=true]`. */
function runCommand(runner: PlaybookRunner): Command {
  return {
    name: 'run',
    summary: 'start a playbook (add exercise=true for a drill)',
    usage: 'PLAYBOOK [key=value ...] [exercise=true]',
    role: 'officer',
    async run(ctx, args) {
      const [id, ...rest] = args;
      if (!id) throw new UsageError(`Which playbook? Available:\n${libraryList(runner)}`);
      // A misspelt name at 3 a.m. ("earthquak"): say which playbooks there are, as a bare /run does.
      // One whose file is invalid is refused with its problem (runner.playbook), not called missing.
      if (!runner.library.has(id.toLowerCase()) && !runner.isRefused(id))
        throw new UsageError(`There is no playbook "${id}". Available:\n${libraryList(runner)}`);
      const { params, exercise } = parseRunArgs(rest);
      const run = await runner.start(id, params, exercise, { ...actorOf(ctx), origin: `chat:${ctx.msg.id}` });
      // The cell groups see the run's own posts; a DM or a breakout group would otherwise hear nothing.
      if (!ctx.inCellGroup)
        await ctx.reply(
          `▶️ ${run.id} started: ${run.title}${run.exercise ? ' (exercise)' : ''}. Its steps are posted in the crisis-cell group. Stop it with /stop ${run.id}.`,
        );
    },
  };
}

/** `/runs`: the runs in progress, with their progress and next step. */
function runsCommand(runner: PlaybookRunner): Command {
  return {
    name: 'runs',
    summary: 'playbook runs in progress',
    role: 'viewer',
    async run(ctx) {
      const ids = await runner.store.activeIds();
      const runs = (await Promise.all(ids.map((id) => runner.store.get(id)))).filter((r) => r !== undefined);
      const lines = await Promise.all(runs.map((r) => runLine(runner, r, ctx.deps.now())));
      await ctx.reply(
        lines.length ? `Playbook runs in progress:\n${lines.join('\n')}` : 'No playbook is running. Start one with /run PLAYBOOK.',
      );
    },
  };
}

/** The run a command names (`run-1`, `RUN-0001`, or `#1` and `1` as incident commands take them). */
function runArg(args: string[]): string {
  if (!args[0]) throw new UsageError('Which run? /runs lists them.');
  return idOfKind('RUN', args[0]);
}

/** `/stop RUN`. */
function stopCommand(runner: PlaybookRunner): Command {
  return {
    name: 'stop',
    summary: 'stop a playbook run and cancel its pending steps',
    usage: 'RUN',
    role: 'officer',
    async run(ctx, args) {
      const id = runArg(args);
      await runner.stop(id, actorOf(ctx).name);
      if (!ctx.inCellGroup) await ctx.reply(`⏹ ${id} stopped.`);
    },
  };
}

/** `/handled RUN`: what flagged the run for attention was dealt with by hand; the flag goes. */
function handledCommand(runner: PlaybookRunner): Command {
  return {
    name: 'handled',
    summary: 'clear a playbook run’s “needs attention” flag once the cell dealt with it',
    usage: 'RUN',
    role: 'duty_officer',
    async run(ctx, args) {
      const id = runArg(args);
      const reason = await runner.clearAttention(id, actorOf(ctx).name);
      await ctx.reply(`✅ ${id} no longer needs attention (${actorOf(ctx).name}). It was: ${reason}`);
    },
  };
}

/** `/huddle NAME +phone ...`: a breakout group of the sender and the people named. */
function huddleCommand(): Command {
  return {
    name: 'huddle',
    summary: 'open a breakout WhatsApp group with the people named',
    usage: 'NAME +phone ...',
    role: 'officer',
    async run(ctx, _args, rest) {
      const { name, phones } = parseHuddle(rest, ctx.deps.config.embassy.country);
      if (!name || !phones.length) throw new UsageError('Give a name and at least one phone.');
      const { deps } = ctx;
      const members: HuddleMember[] = [];
      const me = ctx.sender.staff;
      if (me) members.push({ phone: me.phone, name: me.name, role: 'Lead' });
      for (const raw of phones) {
        const phone = toE164(raw, deps.config.embassy.country);
        if (!phone) throw new UsageError(`${raw} is not a phone number.`);
        if (members.some((m) => m.phone === phone)) continue;
        const staff = deps.roster.find(phone);
        members.push({ phone, name: staff?.name ?? phone, role: staff ? staff.roles.join(', ').replace(/_/g, ' ') : 'Guest' });
      }
      await requestHuddle(deps, { key: `chat:${ctx.msg.id}`, subject: cutText(name, 100), members, requestedFrom: ctx.msg.chat });
      await ctx.reply(`👥 Creating breakout group "${name}" with ${members.map((m) => m.name).join(', ')}.`);
    },
  };
}

/** A token that starts the phones of /huddle: a '+' number, or a run of at least six digits. */
const PHONE_START = /^(\+|\(?\d[\d().-]{5,})/;

/**
 * `/huddle NAME phone phone ...`: the name runs up to the first phone; phones are written as
 * people type them ("+1 555 000 0002", "15550000003", "+33 6 12 34 56 78"), one after another.
 * A token joins the phone being read unless that phone is already complete and would not be
 * with it (so "+15550000003 15550000002" is two people, not one impossible number).
 */
export function parseHuddle(rest: string, country?: string): { name: string; phones: string[] } {
  const tokens = rest.split(/[\s,;]+/).filter(Boolean);
  const first = tokens.findIndex((t) => PHONE_START.test(t));
  if (first < 0) return { name: rest.trim(), phones: [] };
  const phones: string[] = [];
  let current = '';
  const valid = (p: string) => toE164(p, country as never) !== undefined;
  for (const token of tokens.slice(first)) {
    const startsNew = token.startsWith('+') || (current !== '' && valid(current) && !valid(current + token));
    if (startsNew && current) phones.push(current);
    current = startsNew || !current ? token : current + token;
  }
  if (current) phones.push(current);
  return { name: tokens.slice(0, first).join(' '), phones: phones.map((p) => p.replace(/[().-]/g, '')) };
}
