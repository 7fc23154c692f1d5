import type { ChatContext } from '../../chat/chat-context.ts';
import { citizenText, INCIDENT_KEYWORDS, mediaOnlyText } from '../../domain/citizen-messages.ts';
import { type Incident, isActive } from '../../domain/incident.ts';
import { arabicArticleForms, foldText, spokenLanguage } from '../../domain/text-normalise.ts';
import { refOfSentMessage } from '../sent-ref.ts';
import { type IntakeResult, joinOpenIncident, openIncident } from './open-incident.ts';
import { emergencyLine, incidentStore, officerFirstName } from './shared.ts';

/** Looks up what the sender told the registry (language, region), when they registered; once per message. */
export type RegisteredOf = (ctx: ChatContext, phone: string) => Promise<{ language?: string; region?: string }>;

/** A whole message folded for comparison with a keyword: punctuation, emoji and their joiners dropped ("HELP ❗️", "SOS 🆘"). */
const asKeyword = (text: string) =>
  foldText(text)
    .replace(/[\p{P}\p{S}\p{Cf}\p{Extended_Pictographic}]|\uFE0F|\uFE0E|\u20E3/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
/** A whole-message keyword and its Arabic forms with and without the article ("القائمة", "نجدة"). */
const keywordForms = (keywords: readonly string[]) => new Set(keywords.flatMap((k) => arabicArticleForms(asKeyword(k))));
const MENU = keywordForms([...INCIDENT_KEYWORDS.menu, ...INCIDENT_KEYWORDS.menuOrName]);
const MENU_ALWAYS = keywordForms(INCIDENT_KEYWORDS.menuAlways);
const SOS = keywordForms(INCIDENT_KEYWORDS.sos);
const THANKS = new Set(INCIDENT_KEYWORDS.thanks.map(asKeyword));
const THANKS_FILLER = new Set(INCIDENT_KEYWORDS.thanksFiller.map(asKeyword));
const THANKS_PHRASES = new RegExp(`(?:^| )(?:${INCIDENT_KEYWORDS.thanksPhrases.map(asKeyword).join('|')})(?= |$)`, 'g');
const THANKS_EMOJI = new Set<string>(INCIDENT_KEYWORDS.thanksEmoji);
const NUDGE = new Set(INCIDENT_KEYWORDS.nudge.map(asKeyword));
/**
 * A cry for help from a member of staff in danger (embassy staff live through the coup too): SOS and
 * the cries that say "me" or "us". A bare "help" from staff asks how the bot works (/help), not for rescue.
 */
const STAFF_ASKING = new Set(['help', 'aide', 'مساعده', 'urgent', 'urgence', 'emergency', 'help needed', 'urgent help'].map(asKeyword));
const STAFF_SOS = new Set([...SOS].filter((w) => !STAFF_ASKING.has(w)));

/** "?", "??", "hello?", "any news?": the citizen asks whether anyone is there. */
const isNudge = (text: string, unrepeated: string) =>
  unrepeated === '' ? /^[\s?？؟!.]*[?？؟][\s?？؟!.]*$/u.test(text) : NUDGE.has(unrepeated);

/** The alert or incident a sent message was about, from its ref ("alert:ALR-0001:+33…", "incident:INC-0042"). */
const QUOTED_SUBJECT = /^(?:alert|incident):([A-Z]{3}-\d+)/;

/** A word said again and again said once: "sos sos sos" is "sos", "help me help me" is "help me". */
function withoutRepeats(words: string): string {
  const w = words.split(' ');
  for (let n = 1; n <= w.length / 2; n++) {
    if (w.length % n !== 0) continue;
    // The words repeat every n when each is the one n before it.
    let i = n;
    while (i < w.length && w[i] === w[i - n]) i++;
    if (i === w.length) return w.slice(0, n).join(' ');
  }
  return words;
}

/**
 * True when a message only thanks or acknowledges: "ok", "thank you so much 🙏", "merci beaucoup",
 * "👍". `word` is the message through asKeyword.
 */
function onlyThanks(text: string, word: string): boolean {
  if (text.length > 200) return false;
  const emoji = text.match(/\p{Extended_Pictographic}/gu) ?? [];
  if (emoji.some((e) => !THANKS_EMOJI.has(e))) return false;
  const words = word.replace(THANKS_PHRASES, ' ').split(' ').filter(Boolean);
  if (words.length === 0) return emoji.length > 0;
  return words.some((w) => THANKS.has(w)) && words.every((w) => THANKS.has(w) || THANKS_FILLER.has(w));
}

/** A member of staff's SOS: the keyword alone (said once or again and again), or 🆘 alone. */
function isStaffSos(text: string): boolean {
  const word = asKeyword(text);
  return word === '' ? /\u{1F198}/u.test(text) : STAFF_SOS.has(withoutRepeats(word));
}

/** Where an open report stands, for a citizen who asks: waiting for an officer, or with one (named). */
function standing(deps: ChatContext['deps'], i: Incident, vars: Record<string, string>, language: string): string {
  if (i.status === 'open') return citizenText('waiting', language, vars);
  // No officer to name (taken on the dashboard with a token that has no rostered phone): said in
  // the citizen's language, not with an English "on duty" in the middle of it.
  const officer = officerFirstName(deps, i);
  return officer ? citizenText('withOfficer', language, { ...vars, officer }) : citizenText('withOfficerUnnamed', language, vars);
}

/**
 * A citizen's DM: SOS and MENU keywords; otherwise the message opens an incident or
 * joins their active one. Always answers, in the citizen's language.
 */
export async function handleCitizenMessage(ctx: ChatContext, registeredOf: RegisteredOf): Promise<boolean> {
  const { msg, deps } = ctx;
  // A citizen WhatsApp shows only by LID (no phone number known yet) still reports: the LID is
  // their address for the answer and for every later message about the incident.
  const phone = ctx.sender.phone ?? ctx.sender.lid;
  if (!phone) return false;
  const text = msg.text?.trim() ?? '';
  const staff = ctx.sender.staff;
  // Their open report, looked up once whichever of the checks below asks first.
  let active: Promise<Incident | undefined> | undefined;
  const activeReport = () => (active ??= incidentStore(deps).activeOf(phone));
  // Staff do not open incidents by writing to the embassy number: they use commands. One in danger
  // who sends SOS (or 🆘) is answered like anyone, and the cell sees who it is; what they send while
  // that report is open (what is happening, their pin) joins it, as a citizen's would.
  const staffSos = staff !== undefined && isStaffSos(text);
  if (staff && !staffSos && !(await activeReport())) return false;
  const registered = await registeredOf(ctx, phone);
  // The language their words are in, if they tell ("passeport perdu"); "ok", "MENU", "SOS" tell none.
  const spoken = spokenLanguage(text, deps.config.languages);
  const guessed = registered.language ?? spoken ?? deps.config.languages[0] ?? 'en';
  const vars = (language: string) => ({ embassy: deps.config.embassy.name, emergency: emergencyLine(deps, language) });
  const word = text ? asKeyword(text) : '';
  // MENU always lists the keywords; a greeting ("hello?") from a citizen with an open report joins it.
  if (word && (MENU_ALWAYS.has(word) || (MENU.has(word) && !(await activeReport())))) {
    // "MENU" is every language's: answered in that of their open report, if they have one.
    const language = registered.language ?? spoken ?? (await activeReport())?.language ?? guessed;
    await ctx.reply(citizenText('menu', language, vars(language)), 'menu');
    return true;
  }
  // "?", "...", an invisible character: nothing to report, and no report open to ask about.
  if (!msg.media && !msg.location && !msg.edit && word === '' && !/\p{Extended_Pictographic}/u.test(text)) {
    if (!(await activeReport())) {
      await ctx.reply(citizenText('menu', guessed, vars(guessed)), 'menu');
      return true;
    }
  }
  // "Thank you 🙏", "ok", "👍" once their report is resolved (or before any) is no new report: a polite
  // answer, and nothing for the cell to triage. With a report open, it joins it like any message.
  // A sticker alone says what an emoji does: most are thanks, a hug, a heart.
  const sticker = msg.media === 'sticker' && text === '';
  const thanks = !msg.location && !msg.edit && (sticker || (!msg.media && onlyThanks(text, word)));
  const thank = async (latest: Incident | undefined) => {
    const language = registered.language ?? latest?.language ?? guessed;
    const closed = latest ? citizenText('closedNote', language, { id: latest.id }) : '';
    await ctx.reply(citizenText('thanks', language, { ...vars(language), closed }), 'thanks');
    return true;
  };
  if (thanks) {
    const latest = await incidentStore(deps).latestOf(phone);
    if (!latest || !isActive(latest.status)) return thank(latest);
  }
  // What the message quotes (an alert, a notice about a report): a new report's card names it, so the
  // officer reads "is this still valid?" or "he is still not home" in context (the intake names
  // the reporter's earlier report).
  const inReplyTo = QUOTED_SUBJECT.exec((await refOfSentMessage(deps, msg.replyTo)) ?? '')?.[1];
  const unrepeated = word === '' ? '' : withoutRepeats(word);
  const sos = word === '' ? /\u{1F198}/u.test(text) : SOS.has(unrepeated);
  // "?" or "hello??" while their report waits: it joins the report, and they are told where it stands.
  const nudge = !msg.media && !msg.location && !msg.edit && isNudge(text, unrepeated);
  const waitingOn = nudge ? await activeReport() : undefined;
  // SOS, "ok", "👍", "hello??": no description. A report opened by SOS (or a pin, a photo) takes its
  // summary and language from the first message that describes something, not from the "ok" before it.
  const describes = word !== '' && !sos && !nudge && !onlyThanks(text, word);
  // The citizen's answer leaves as soon as the report is stored, alongside the cell's card.
  // A retried job (duplicate) answers again: the reply's idempotency key keeps it to one message.
  // A follow-up is answered in the language the incident was opened in.
  const answer = async (result: IntakeResult) => {
    const language = result.language;
    const reply = result.created
      ? citizenText(sos ? 'sos' : 'received', language, { ...vars(language), id: result.id })
      : waitingOn?.id === result.id
        ? standing(deps, waitingOn, { ...vars(language), id: result.id }, language)
        : // Words that say a life is in danger ("he stopped breathing") get the emergency number again.
          citizenText('added', language, { id: result.id }) + (result.critical ? emergencyLine(deps, language) : '');
    await ctx.reply(reply, result.created ? 'ack' : 'reply');
    if (result.created && msg.media && !text) await ctx.reply(mediaOnlyText(msg.media, language), 'reply');
  };
  // Words that only follow up on the open report ("thank you", "hello??", "?"): if it was resolved
  // since it was read, they open no report the cell would have to triage, and are answered as if none was open.
  const followUp =
    !msg.location &&
    !msg.edit &&
    !sos &&
    (thanks || (!msg.media && (nudge || MENU.has(word) || (word === '' && !/\p{Extended_Pictographic}/u.test(text))))) &&
    (await activeReport()) !== undefined;
  const taken = await (followUp ? joinOpenIncident : openIncident)(
    deps,
    {
      reporter: phone,
      text: staffSos ? `SOS from ${staff?.name} (staff) — ${text}` : sos ? `SOS — ${text}` : text,
      channel: 'chat',
      language: guessed,
      languageSure: registered.language !== undefined || spoken !== undefined,
      sourceMessageId: msg.id,
      ...(sos ? { severity: 'critical' as const } : {}),
      ...(describes ? {} : { wordless: true }),
      ...(msg.location ? { location: msg.location } : {}),
      ...(msg.media ? { media: msg.media } : {}),
      ...(msg.forwarded ? { forwarded: true } : {}),
      // Kept only by a new incident: a message that joins the open one changes none of its links.
      ...(inReplyTo ? { links: { inReplyTo } } : {}),
      // Where they registered, for a report that does not say where it is.
      ...(registered.region ? { homeRegion: registered.region } : {}),
    },
    answer,
  );
  if (!taken) {
    if (thanks) return thank(await incidentStore(deps).latestOf(phone));
    await ctx.reply(citizenText('menu', guessed, vars(guessed)), 'menu');
  }
  return true;
}
