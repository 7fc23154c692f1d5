import type { ChainableCommander } from 'ioredis';
import { loadRecord } from '../broadcast/broadcast-store.ts';
import { openCheckFor } from '../broadcast/welfare.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { INCIDENT_KEYWORDS } from '../domain/citizen-messages.ts';
import { arabicArticleForms, endsAsQuestion, foldText } from '../domain/text-normalise.ts';
import { PRIORITY } from '../queues/queues.ts';
import {
  HOUSEHOLD_MAX,
  matchKeyword,
  matchLanguage,
  normaliseWords,
  parseHousehold,
  parseWelfareAnswer,
  readsAsEmergency,
} from './keywords.ts';
import { type MessageKey, t } from './messages.ts';
import { getCitizen, regionOfAnswer, regionOfPin, saveCitizens } from './registry.ts';
import { LANGUAGE_LABEL } from './words.ts';

/** Where a citizen is in the REGISTER conversation; kept in Redis for a day. */
interface RegisterConversation {
  flow: 'register';
  step: 'consent' | 'name' | 'region' | 'household' | 'language';
  /** Language of the dialogue (of the keyword the citizen used, or their registered one). */
  lang: string;
  name?: string;
  region?: string;
  household?: number;
  location?: { lat: number; lng: number };
  /** When the current question was asked (ms): a welfare check sent after it is what a bare "2" answers. */
  at?: number;
  /** Answers to the current question that were not understood, in a row. */
  misses?: number;
  /** The message whose answer was last taken, and what the bot then said: a retried job says it again, once. */
  answered?: string;
  asked?: MessageKey;
  /** The citizen was registered when the conversation began (an update, not a new registration). */
  existed?: boolean;
}

const TTL_SECONDS = 24 * 3600;
/** The answers not understood in a row after which the citizen's message goes to an officer instead. */
const MAX_MISSES = 3;

async function load(ctx: ChatContext, phone: string): Promise<RegisterConversation | undefined> {
  const raw = await ctx.deps.redis.get(ctx.deps.keys.conversation(phone));
  if (!raw) return undefined;
  try {
    const conv = JSON.parse(raw) as RegisterConversation;
    return conv.flow === 'register' ? conv : undefined;
  } catch {
    return undefined;
  }
}

type Step = RegisterConversation['step'];

/** WhatsApp lets a message be edited for 15 minutes: which question each answer answered is kept an hour. */
const ANSWERS_TTL_SECONDS = 3600;

/** Saves the conversation and, when given, which question the current message answered (in one step). */
async function save(ctx: ChatContext, phone: string, conv: RegisterConversation, answered?: Step): Promise<void> {
  const { keys } = ctx.deps;
  const tx = ctx.deps.redis.multi().set(keys.conversation(phone), JSON.stringify(conv), 'EX', TTL_SECONDS);
  if (answered) noteAnswer(tx, ctx, phone, answered);
  await tx.exec();
}

function noteAnswer(tx: ChainableCommander, ctx: ChatContext, phone: string, step: Step): ChainableCommander {
  const key = ctx.deps.keys.registerAnswers(phone);
  return tx.hset(key, ctx.msg.id, step).expire(key, ANSWERS_TTL_SECONDS);
}

/** The question a message of the citizen answered in their REGISTER conversation (the last hour), if any. */
async function answeredStep(ctx: ChatContext, phone: string, messageId: string): Promise<Step | undefined> {
  const step = await ctx.deps.redis.hget(ctx.deps.keys.registerAnswers(phone), messageId);
  return step && step in QUESTION ? (step as Step) : undefined;
}

/** Ends the REGISTER conversation, if any. */
/**
 * Ends a registration for a message that is no answer (an emergency, a voice note, answers not
 * understood) and says so: the citizen must not answer the next question into their report
 * believing they are registered. Its own key, not a reply's count: a retry of this message, which
 * finds no conversation any more, still numbers the report's answer the same.
 */
async function pause(ctx: ChatContext, phone: string, conv: RegisterConversation): Promise<void> {
  await ctx.deps.outbox.send(
    { to: ctx.msg.chat, text: t(conv.lang, 'registerPaused'), kind: 'register', idempotencyKey: `register-paused:${ctx.msg.id}` },
    PRIORITY.reply,
  );
  await leaveRegistration(ctx, phone);
}

export async function leaveRegistration(ctx: ChatContext, phone: string): Promise<void> {
  await ctx.deps.redis.del(ctx.deps.keys.conversation(phone));
}

function vars(ctx: ChatContext): Record<string, string> {
  const { config } = ctx.deps;
  return {
    embassy: config.embassy.name,
    regions: config.regions.map((r) => r.name).join(', '),
    languages: config.languages.map((l, i) => `${i + 1} ${LANGUAGE_LABEL[l] ?? l}`).join(', '),
  };
}

/** Words of a sentence, not of a name ("we are scared", "is anyone there"): a report, not a name. */
const SENTENCE = new Set(
  [
    ...['i', "i'm", 'im', 'me', 'my', 'we', "we're", 'us', 'our', 'is', 'are', 'am', 'was', 'were', 'the', 'there', 'please'],
    ...['need', 'have', 'has', 'can', "can't", 'cannot', 'not', 'anyone', 'someone', 'what', 'where', 'why', 'how', 'when'],
    ...['je', "j'ai", 'nous', 'mes', 'notre', 'nos', 'est', 'sont', 'suis', 'besoin', 'svp', 'il', 'elle', 'ils', 'pas'],
    ...['vous', "c'est", "quelqu'un", 'pourquoi', 'comment', 'quand'],
    ...['انا', 'نحن', 'ابني', 'ابنتي', 'زوجي', 'زوجتي', 'نحتاج', 'احتاج', 'ارجوكم', 'ارجوك', 'هل', 'لماذا', 'متي', 'اين'],
  ].map(foldText),
);
const isSentence = (text: string) =>
  foldText(text)
    .split(/[^\p{L}\p{N}']+/u)
    .some((w) => SENTENCE.has(w));

/** Answers that put the question off or answer another one ("wait", "ok", "why?"): asked again, never kept as a name. */
const NOT_A_NAME = new Set(
  [
    ...['wait', 'wait please', 'one moment', 'one sec', 'a moment', 'hold on', 'later', 'ok', 'okay', 'yes', 'no', 'yes please'],
    ...['why', 'what', 'sorry', 'idk', 'dont know', "don't know", 'no name', 'name', 'my name', 'full name', 'skip', 'next'],
    ...['attendez', 'attends', 'un instant', 'une minute', 'plus tard', 'oui', 'non', 'pourquoi', 'quoi', 'pardon', 'nom'],
    ...['لحظة', 'لحظه', 'انتظر', 'استنى', 'بعدين', 'نعم', 'لا', 'ليش', 'شو', 'اسم', 'اسمي'],
  ].map((w) => normaliseWords(w)),
);

/** How citizens introduce their name ("my name is", "je m'appelle", "اسمي"), dropped from the answer. */
const NAME_PREFIX =
  /^(?:my name is|my name's|my name’s|name:|i am|i'm|i’m|im|this is|it's|it’s|it is|je m'appelle|je m’appelle|je suis|mon nom est|nom ?:|moi c'est|moi c’est|c'est|c’est|اسمي هو|انا اسمي هو|أنا اسمي هو|اسمي|انا اسمي|أنا اسمي|انا|أنا)\s+/iu;
/** A greeting or an apology before it ("Hi, I am …", "Sorry, my name is …", "مرحبا، اسمي …"), dropped too. */
const NAME_OPENING =
  /^(?:(?:hi|hello|hey|good (?:morning|afternoon|evening)|sorry|ok|okay|yes|bonjour|bonsoir|salut|pardon|désolée?|desolee?|oui|d'accord|مرحبا|السلام عليكم|اهلا|أهلا|آسف|آسفة|عفوا|نعم)(?:[\s,.!:;،-]+|$))+/iu;
/** The name in an answer to "your full name?": without a greeting before it or the words that introduce it. */
const nameIn = (text: string) => text.trim().replace(NAME_OPENING, '').replace(NAME_PREFIX, '');

/**
 * "menu", "hello", "مرحبا", "القائمة" (with the article or without): a citizen asking what they can do,
 * not answering (incident intake shows the menu).
 */
const MENU = new Set(INCIDENT_KEYWORDS.menu.flatMap((w) => arabicArticleForms(normaliseWords(w))));

/**
 * "near the hospital", "près de l'hôpital", "قرب المستشفى": where someone lives, told by a place
 * nearby. Dropped before a region answer is read for an emergency, so that "Damascus, near the
 * hospital" is a region; "near the fire", "my son is injured" still are reports.
 */
const LANDMARK =
  /(?:^|[\s,])(?:near|close to|next to|opposite|behind|près de|pres de|à côté de|a cote de|en face de|derrière|قرب|بالقرب من|بجانب|مقابل)\s+(?:(?:the|l'|l’|le|la|les|du|de la)\s*)?(?:main\s+|big\s+|old\s+|new\s+|grand\s+|vieux\s+)?(?:hospital|clinic|police station|hôpital|hopital|clinique|commissariat|المستشفى|مستشفى|العياده|العيادة|مركز الشرطة|مخفر)s?(?=$|[\s,.;:!?،])/giu;
const withoutLandmarks = (text: string) => text.replace(LANDMARK, ' ');

/**
 * True when a message in the REGISTER conversation is not an answer to it but something an
 * officer must see: a voice note or photo, a location pin where none was asked, words asking for
 * help or describing an emergency, MENU or a greeting, or (for the name) a sentence.
 */
function isReport(ctx: ChatContext, step: RegisterConversation['step'], text: string): boolean {
  if (ctx.msg.media) return true;
  if (ctx.msg.location && step !== 'region') return true;
  if (!text) return false;
  if (readsAsEmergency(step === 'region' ? withoutLandmarks(text) : text) || MENU.has(normaliseWords(text))) return true;
  return step === 'name' && isSentence(nameIn(text));
}

/**
 * True when the message answers a welfare check ("1", "2", "SAFE", "٢") sent after the current
 * question: a citizen asked "are you safe?" answers that, not the registration. HELP also ends
 * the registration, so that what they write next reaches the incident.
 */
async function answersWelfareCheck(ctx: ChatContext, phone: string, conv: RegisterConversation, text: string): Promise<boolean> {
  const answer = parseWelfareAnswer(text);
  if (!answer) return false;
  const id = await openCheckFor(ctx.deps, phone);
  const check = id ? await loadRecord(ctx.deps, id) : undefined;
  if (!check || check.createdAt < (conv.at ?? 0)) return false;
  if (answer.answer === 'help') await leaveRegistration(ctx, phone);
  return true;
}

/** REGISTER: the privacy notice and the consent question come first. */
export async function startRegistration(ctx: ChatContext, phone: string, keywordLanguage: string): Promise<void> {
  const existing = await getCitizen(ctx.deps, phone);
  const lang = existing?.language ?? keywordLanguage;
  await save(ctx, phone, { flow: 'register', step: 'consent', lang, at: ctx.deps.now(), existed: existing !== undefined });
  await ctx.reply(t(lang, 'consent', vars(ctx)), 'register');
}

/**
 * Handles the next answer of a citizen in the REGISTER conversation; false when there is none,
 * or when the message is not an answer (an emergency, a voice note, a welfare answer, or a
 * third answer in a row not understood): the rest of the bot takes it, and the registration
 * ends unless the message was a welfare answer.
 */
export async function continueRegistration(ctx: ChatContext, phone: string): Promise<boolean> {
  const conv = await load(ctx, phone);
  if (!conv) return ctx.msg.edit ? amendRegistered(ctx, phone, ctx.msg.edit.of) : false;
  const text = ctx.msg.text?.trim() ?? '';
  const ask = (key: MessageKey) => ctx.reply(t(conv.lang, key, vars(ctx)), 'register');
  // A job retried after this message's answer was stored (a worker crash, Redis briefly away):
  // the answer is not taken twice (a household "3" must not become language 3); the reply is
  // said again under the same idempotency key, so the citizen gets it once.
  if (conv.answered === ctx.msg.id && conv.asked) {
    await ask(conv.asked);
    return true;
  }
  // An answer edited in WhatsApp ("Edit") amends what it answered; it is not the next answer.
  if (ctx.msg.edit) {
    const amended = await amendAnswer(ctx, phone, conv, ctx.msg.edit.of, text);
    if (amended !== undefined) return amended;
  }
  // Replies come before the conversation ends: a retried job still finds it, and does not take
  // the answer for a report.
  const end = async (key: MessageKey) => {
    await ask(key);
    await leaveRegistration(ctx, phone);
  };
  if (matchKeyword(text, ['cancel'])) {
    await end('cancelled');
    return true;
  }
  if (await answersWelfareCheck(ctx, phone, conv, text)) return false;
  if (isReport(ctx, conv.step, text)) {
    await pause(ctx, phone, conv);
    return false;
  }
  const next = await STEPS[conv.step](ctx, conv, text);
  if (typeof next === 'object') {
    conv.misses = (conv.misses ?? 0) + 1;
    if (conv.misses >= MAX_MISSES) {
      await pause(ctx, phone, conv);
      return false;
    }
    Object.assign(conv, { answered: ctx.msg.id, asked: next.invalid });
    await save(ctx, phone, conv, conv.step);
    await ask(next.invalid);
    return true;
  }
  if (next === 'declined') {
    await end(await declinedKey(ctx, phone, conv));
    return true;
  }
  if (next === 'done') {
    await finish(ctx, phone, conv);
    return true;
  }
  const answered = conv.step;
  Object.assign(conv, { step: next, at: ctx.deps.now(), misses: 0, answered: ctx.msg.id, asked: QUESTION[next] });
  await save(ctx, phone, conv, answered);
  await ask(QUESTION[next]);
  return true;
}

/**
 * The citizen edited a message of this conversation. An answer to an earlier question is read
 * again: when valid, it replaces what was stored; otherwise the earlier answer stays. Either way
 * the citizen is told, and asked the current question again. Editing the consent to NO declines.
 * An answer to the current question that was not understood is undefined: the edit is read as
 * that answer. An edit of any other message is no answer: a report goes on to intake, anything
 * else is left alone.
 */
async function amendAnswer(
  ctx: ChatContext,
  phone: string,
  conv: RegisterConversation,
  of: string,
  text: string,
): Promise<boolean | undefined> {
  const step = await answeredStep(ctx, phone, of);
  if (step === conv.step) return undefined;
  // An answer rewritten into an emergency ("John" → "help, my son is bleeding") is a report.
  if (step ? isReport(ctx, step, text) : readsAsEmergency(text)) {
    await leaveRegistration(ctx, phone);
    return false;
  }
  if (!step) return true;
  const outcome = step === 'consent' ? STEPS.consent(ctx, conv, text) : amend(ctx, conv, step, text);
  if (outcome === 'declined') {
    await ctx.reply(t(conv.lang, await declinedKey(ctx, phone, conv), vars(ctx)), 'register');
    await leaveRegistration(ctx, phone);
    return true;
  }
  const asked = QUESTION[conv.step];
  Object.assign(conv, { answered: ctx.msg.id, asked });
  await save(ctx, phone, conv);
  await ctx.reply(`${amendedLine(conv.lang, step, outcome === true)}${t(conv.lang, asked, vars(ctx))}`, 'register');
  return true;
}

/** "Nothing was kept" would tell a registered citizen their registration is gone: it is not. */
async function declinedKey(ctx: ChatContext, phone: string, conv: RegisterConversation): Promise<MessageKey> {
  return (conv.existed ?? (await getCitizen(ctx.deps, phone)) !== undefined) ? 'cancelled' : 'declined';
}

/** What the bot says first after an edited answer: whether it changed it (nothing for the consent). */
function amendedLine(lang: string, step: Step, changed: boolean): string {
  return step === 'consent' ? '' : `${t(lang, changed ? 'answerChanged' : 'answerKept')}\n`;
}

/** What each question stores. */
const FIELDS: Record<Exclude<Step, 'consent'>, (keyof RegisterConversation)[]> = {
  name: ['name'],
  region: ['region', 'location'],
  household: ['household'],
  language: ['lang'],
};

/**
 * Reads `text` as a new answer to `step`; when valid, copies what that question stores into `conv`
 * (a region given in words drops the pin of the region answered before) and returns true.
 */
function amend(ctx: ChatContext, conv: RegisterConversation, step: Exclude<Step, 'consent'>, text: string): boolean {
  const scratch: RegisterConversation = { ...conv };
  for (const field of FIELDS[step]) delete scratch[field];
  if (typeof STEPS[step](ctx, scratch, text) === 'object') return false;
  for (const field of FIELDS[step]) {
    if (scratch[field] === undefined) delete conv[field];
    else Object.assign(conv, { [field]: scratch[field] });
  }
  return true;
}

/**
 * The citizen edited an answer of a REGISTER conversation that has ended (within WhatsApp's
 * 15 minutes to edit): their registration is amended the same way, and its summary sent again
 * (it says how to stop alerts or erase the data, for a consent edited to NO). False when the
 * message answered no question, or the edit reads as a report: it goes on as a new message.
 */
async function amendRegistered(ctx: ChatContext, phone: string, of: string): Promise<boolean> {
  const step = await answeredStep(ctx, phone, of);
  if (!step || isReport(ctx, step, ctx.msg.text?.trim() ?? '')) return false;
  // A registration that ended without one (declined, left for a report) or was stopped since: an
  // edited answer of it has nothing to amend, and is no report either.
  const citizen = await getCitizen(ctx.deps, phone);
  if (!citizen || citizen.optedOut) return true;
  const conv: RegisterConversation = {
    flow: 'register',
    step,
    lang: citizen.language,
    name: citizen.name,
    region: citizen.region,
    household: citizen.household,
    ...(citizen.location ? { location: citizen.location } : {}),
  };
  const changed = step !== 'consent' && amend(ctx, conv, step, ctx.msg.text?.trim() ?? '');
  if (changed) {
    const { location: _, ...rest } = citizen;
    await saveCitizens(ctx.deps, [
      {
        ...rest,
        name: conv.name ?? citizen.name,
        region: conv.region ?? citizen.region,
        household: conv.household ?? citizen.household,
        language: conv.lang,
        updatedAt: ctx.deps.now(),
        ...(conv.location ? { location: conv.location } : {}),
      },
    ]);
    await ctx.deps.audit.append({ type: 'citizen.updated', actor: ctx.sender.actor, data: { edited: step } });
  }
  await ctx.reply(`${amendedLine(conv.lang, step, changed)}${summary(ctx, conv)}`, 'register');
  return true;
}

const normalisedSet = (words: readonly string[]) => new Set(words.map((w) => normaliseWords(w)));
/** Words that say yes or no to the privacy notice, and words said around them ("yes ok", "oui bien sûr", "no thanks"). */
const CONSENT_YES = normalisedSet([
  ...['yes', 'y', 'yeah', 'yep', 'yup', 'ya', 'sure', 'ok', 'okay', 'k', 'agree', 'agreed', 'accept', 'alright', 'fine'],
  ...['oui', 'ouais', 'accord', 'daccord', 'dac', 'accepte', 'nam', 'naam', 'aywa', 'tamam'],
  ...['نعم', 'موافق', 'موافقه', 'اوافق', 'أوافق', 'حسنا', 'طيب', 'تمام', 'ايوه', 'ايوا', 'اكيد', 'أكيد'],
]);
const CONSENT_NO = normalisedSet([
  ...['no', 'n', 'nope', 'nah', 'not', 'dont', 'don', 'disagree', 'refuse', 'never', 'non', 'pas', 'jamais'],
  ...['لا', 'ارفض', 'أرفض', 'مش', 'مو'],
]);
const CONSENT_AROUND = normalisedSet([
  ...['i', 'please', 'pls', 'plz', 'thanks', 'thank', 'you', 'of', 'course', 'go', 'ahead', 'that', 's', 't', 'is', 'it'],
  ...['good', 'great', 'all', 'right', 'very', 'much', 'so', 'do', 'je', 'j', 'd', 'bien', 'sur', 'c', 'est', 'bon', 'merci'],
  ...['vas', 'y', 'svp', 'شكرا', 'بالتاكيد', 'انا', 'أنا'],
]);
const CONSENT_EMOJI = { yes: /^(?:👍|✅|👌|✔|☑)+$/u, no: /^(?:👎|❌|✖|🚫)+$/u };

/**
 * YES or NO to the privacy notice as people answer it: the keyword, a thumbs-up, or a short answer
 * made only of yes-words (or only of no-words) and the words said around them. Anything else, or
 * yes and no together ("ok no", "I don't agree"), or a question ("is that ok?"), is asked again.
 */
export function consentAnswer(text: string): 'yes' | 'no' | undefined {
  // A question back ("is that ok?", "yes?", "هل هذا آمن؟") is no consent to keep someone's data: asked again.
  if (endsAsQuestion(text) || /^\s*(?:is|est[- ]ce|هل)(?:\s|$)/i.test(text)) return undefined;
  const keyword = matchKeyword(text, ['yes', 'no'])?.keyword;
  if (keyword === 'yes' || keyword === 'no') return keyword;
  const marks = text.replace(/\s|\uFE0F|\p{Emoji_Modifier}/gu, '');
  if (CONSENT_EMOJI.yes.test(marks)) return 'yes';
  if (CONSENT_EMOJI.no.test(marks)) return 'no';
  const words = normaliseWords(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (words.length === 0 || words.length > 8) return undefined;
  const yes = words.some((w) => CONSENT_YES.has(w));
  const no = words.some((w) => CONSENT_NO.has(w));
  if (yes === no || !words.every((w) => CONSENT_YES.has(w) || CONSENT_NO.has(w) || CONSENT_AROUND.has(w))) return undefined;
  return yes ? 'yes' : 'no';
}

type Outcome = RegisterConversation['step'] | { invalid: MessageKey } | 'declined' | 'done';
const QUESTION: Record<RegisterConversation['step'], MessageKey> = {
  consent: 'consent',
  name: 'askName',
  region: 'askRegion',
  household: 'askHousehold',
  language: 'askLanguage',
};

/** One function per question: validate the answer, store it, say what comes next (or what to ask again). */
const STEPS: Record<RegisterConversation['step'], (ctx: ChatContext, conv: RegisterConversation, text: string) => Outcome> = {
  consent(_ctx, _conv, text) {
    const answer = consentAnswer(text);
    if (answer === 'no') return 'declined';
    if (answer === 'yes') return 'name';
    return { invalid: 'consentAgain' };
  },
  name(_ctx, conv, text) {
    const name = nameIn(text).replace(/\s+/g, ' ').trim();
    if (name.length < 2 || name.length > 80 || /^\d+$/.test(name) || NOT_A_NAME.has(normaliseWords(name))) return { invalid: 'badName' };
    conv.name = name;
    return 'region';
  },
  region(ctx, conv, text) {
    const pin = ctx.msg.location;
    const region = pin ? regionOfPin(ctx.deps, pin) : regionOfAnswer(ctx.deps, text);
    if (!region) return { invalid: 'badRegion' };
    conv.region = region;
    if (pin) conv.location = { lat: pin.lat, lng: pin.lng };
    return 'household';
  },
  household(_ctx, conv, text) {
    const n = parseHousehold(text);
    if (n === undefined || !(n >= 1 && n <= HOUSEHOLD_MAX)) return { invalid: 'badHousehold' };
    conv.household = n;
    return 'language';
  },
  language(ctx, conv, text) {
    const language = matchLanguage(text, ctx.deps.config.languages);
    if (!language) return { invalid: 'badLanguage' };
    conv.lang = language;
    return 'done';
  },
};

async function finish(ctx: ChatContext, phone: string, conv: RegisterConversation): Promise<void> {
  const { deps } = ctx;
  const existing = await getCitizen(deps, phone);
  const now = deps.now();
  const citizen = {
    phone,
    name: conv.name ?? '',
    region: conv.region ?? '',
    household: conv.household ?? 1,
    language: conv.lang,
    registeredAt: existing?.registeredAt ?? now,
    updatedAt: now,
    optedOut: false,
    ...(conv.location ? { location: conv.location } : {}),
  };
  await saveCitizens(deps, [citizen]);
  await deps.audit.append({
    type: (conv.existed ?? existing) ? 'citizen.updated' : 'citizen.registered',
    actor: ctx.sender.actor,
    data: { region: citizen.region, language: citizen.language, household: citizen.household },
  });
  await ctx.reply(summary(ctx, conv), 'register');
  // The conversation ends; its last answer can still be edited, like the others.
  await noteAnswer(deps.redis.multi().del(deps.keys.conversation(phone)), ctx, phone, conv.step).exec();
}

/** "Thank you, {name}. You are registered: …", with how to update, stop alerts or erase the data. */
function summary(ctx: ChatContext, conv: RegisterConversation): string {
  const region = ctx.deps.config.regions.find((r) => r.id === conv.region)?.name ?? conv.region ?? '';
  return t(conv.lang, 'registered', {
    name: conv.name ?? '',
    region,
    household: conv.household ?? 1,
    language: LANGUAGE_LABEL[conv.lang] ?? conv.lang,
  });
}
