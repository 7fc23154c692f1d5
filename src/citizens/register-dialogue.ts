import type { ChatContext } from '../chat/chat-context.ts';
import { matchKeyword, matchLanguage } from './keywords.ts';
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
}

const TTL_SECONDS = 24 * 3600;

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

async function save(ctx: ChatContext, phone: string, conv: RegisterConversation): Promise<void> {
  await ctx.deps.redis.set(ctx.deps.keys.conversation(phone), JSON.stringify(conv), 'EX', TTL_SECONDS);
}

function vars(ctx: ChatContext): Record<string, string> {
  const { config } = ctx.deps;
  return {
    embassy: config.embassy.name,
    regions: config.regions.map((r) => r.name).join(', '),
    languages: config.languages.map((l, i) => `${i + 1} ${LANGUAGE_LABEL[l] ?? l}`).join(', '),
  };
}

/** REGISTER: the privacy notice and the consent question come first. */
export async function startRegistration(ctx: ChatContext, phone: string, keywordLanguage: string): Promise<void> {
  const existing = await getCitizen(ctx.deps, phone);
  const lang = existing?.language ?? keywordLanguage;
  await save(ctx, phone, { flow: 'register', step: 'consent', lang });
  await ctx.reply(t(lang, 'consent', vars(ctx)), 'register');
}

/** Handles the next answer of a citizen in the REGISTER conversation; false when there is none. */
export async function continueRegistration(ctx: ChatContext, phone: string): Promise<boolean> {
  const conv = await load(ctx, phone);
  if (!conv) return false;
  const text = ctx.msg.text?.trim() ?? '';
  const ask = (key: MessageKey) => ctx.reply(t(conv.lang, key, vars(ctx)), 'register');
  if (matchKeyword(text, ['cancel'])) {
    await ctx.deps.redis.del(ctx.deps.keys.conversation(phone));
    await ask('cancelled');
    return true;
  }
  const next = await STEPS[conv.step](ctx, conv, text);
  if (next === 'invalid') return true;
  if (next === 'declined') {
    await ctx.deps.redis.del(ctx.deps.keys.conversation(phone));
    await ask('declined');
    return true;
  }
  if (next === 'done') {
    await finish(ctx, phone, conv);
    return true;
  }
  conv.step = next;
  await save(ctx, phone, conv);
  await ask(QUESTION[next]);
  return true;
}

type Outcome = RegisterConversation['step'] | 'invalid' | 'declined' | 'done';
const QUESTION: Record<RegisterConversation['step'], MessageKey> = {
  consent: 'consent',
  name: 'askName',
  region: 'askRegion',
  household: 'askHousehold',
  language: 'askLanguage',
};

/** One function per question: validate the answer, store it, say what comes next. */
const STEPS: Record<RegisterConversation['step'], (ctx: ChatContext, conv: RegisterConversation, text: string) => Promise<Outcome>> = {
  async consent(ctx, conv, text) {
    const answer = matchKeyword(text, ['yes', 'no'])?.keyword;
    if (answer === 'no') return 'declined';
    if (answer === 'yes') return 'name';
    await ctx.reply(t(conv.lang, 'consentAgain'), 'register');
    return 'invalid';
  },
  async name(ctx, conv, text) {
    const name = text.replace(/\s+/g, ' ');
    if (name.length < 2 || name.length > 80 || /^\d+$/.test(name)) {
      await ctx.reply(t(conv.lang, 'badName'), 'register');
      return 'invalid';
    }
    conv.name = name;
    return 'region';
  },
  async region(ctx, conv, text) {
    const pin = ctx.msg.location;
    const region = pin ? regionOfPin(ctx.deps, pin) : regionOfAnswer(ctx.deps, text);
    if (!region) {
      await ctx.reply(t(conv.lang, 'badRegion', vars(ctx)), 'register');
      return 'invalid';
    }
    conv.region = region;
    if (pin) conv.location = { lat: pin.lat, lng: pin.lng };
    return 'household';
  },
  async household(ctx, conv, text) {
    const n = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 1 && n <= 50)) {
      await ctx.reply(t(conv.lang, 'badHousehold'), 'register');
      return 'invalid';
    }
    conv.household = n;
    return 'language';
  },
  async language(ctx, conv, text) {
    const language = matchLanguage(text, ctx.deps.config.languages);
    if (!language) {
      await ctx.reply(t(conv.lang, 'badLanguage', vars(ctx)), 'register');
      return 'invalid';
    }
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
  await deps.redis.del(deps.keys.conversation(phone));
  await deps.audit.append({
    type: existing ? 'citizen.updated' : 'citizen.registered',
    actor: ctx.sender.actor,
    data: { region: citizen.region, language: citizen.language, household: citizen.household },
  });
  const region = deps.config.regions.find((r) => r.id === citizen.region)?.name ?? citizen.region;
  await ctx.reply(
    t(conv.lang, 'registered', {
      name: citizen.name,
      region,
      household: citizen.household,
      language: LANGUAGE_LABEL[conv.lang] ?? conv.lang,
    }),
    'register',
  );
}
