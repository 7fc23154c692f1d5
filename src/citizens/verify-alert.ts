import type { CoreDeps } from '../app/deps.ts';
import { utc } from '../app/held-sends.ts';
import { type BroadcastRecord, deliveryCounts, loadRecord, NOT_STARTED } from '../broadcast/broadcast-store.ts';
import { textIn } from '../broadcast/render.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { foldText, guessLanguage, westernDigits } from '../domain/text-normalise.ts';
import { readsAsEmergency } from './keywords.ts';
import { t } from './messages.ts';
import type { RumourKind } from './rumour-list.ts';
import { type RumourForward, recordRumour } from './rumours.ts';

const ALERT_ID = /\bALR-\d{4,}\b/i;
/** After "code" / "code de vérification" / "رمز التحقق": the four-character verification code. */
const CODE = /(?:[Cc]ode|رمز التحقق)\D{0,20}?\b([A-Z0-9]{4})\b/;

/** The wording of an alert as the embassy sends it (header or footer, in any language): a forwarded alert. */
const ALERT_WORDING = /OFFICIAL ALERT|ALERTE OFFICIELLE|تنبيه رسمي|Verification code|Code de vérification|رمز التحقق/i;

/**
 * A citizen forwards a message that names an alert (e.g. a forwarded alert): tells them whether
 * the embassy really sent that alert with that verification code. Returns false when the message
 * names no alert, and also when it is the citizen's own words naming an alert and asking for
 * help ("ALR-0042 says leave but we are trapped"): after the answer, incident intake takes it.
 */
export async function verifyForwardedAlert(ctx: ChatContext, registered: string | undefined): Promise<boolean> {
  const text = ctx.msg.text ?? '';
  const id = ALERT_ID.exec(text)?.[0].toUpperCase();
  if (!id) return false;
  // One who never registered is answered in the language of what they forwarded.
  const language = registered ?? guessLanguage(text, ctx.deps.config.languages);
  const code = CODE.exec(text)?.[1]?.toUpperCase();
  const alert = await loadRecord(ctx.deps, id);
  const genuine = alert !== undefined && !alert.exercise && (await wentOut(ctx, alert)) && (!code || code === alert.code);
  await ctx.deps.audit.append({
    type: 'alert.verified',
    actor: ctx.sender.actor,
    subject: id,
    data: { genuine, withCode: code !== undefined },
  });
  if (!genuine) {
    // A forwarded fake alert is a rumour going round: the cell sees it counted in /sitrep.
    if (ctx.msg.forwarded) await recordRumour(ctx.deps, forward(ctx, text, language, 'fake_alert', id));
    await ctx.reply(t(language, 'alertNotGenuine', { id }), 'verify');
    return consumed(text);
  }
  // Cancelled (sent by mistake, stopped half-way): those who got it must not act on it.
  if (alert.status === 'cancelled') {
    await ctx.reply(t(language, 'alertWithdrawn', { id, date: sentOn(alert) }), 'verify');
    return consumed(text);
  }
  // A question typed about it ("is ALR-0003 real?", "ALR-0003 still valid?"): no copy to call
  // changed. It is genuine, and the answer gives its words, so whatever the question assumed of them
  // is answered by them.
  if (!ctx.msg.forwarded && !ALERT_WORDING.test(text) && !code && asksAbout(text, id)) {
    await ctx.reply(t(language, 'alertGenuineWords', { id, date: sentOn(alert), text: textIn(ctx.deps, alert.text, language) }), 'verify');
    return consumed(text);
  }
  // The id and code alone are no proof: "stay indoors" became "go to the airport", or a sentence was
  // added under a faithful copy, or "Embassy ALR-0003: everyone to the airport" names the alert with
  // other words. Anything besides the alert's framing must be the alert's words, or nothing at all.
  if (!sameWords(ctx.deps, text, alert, { orNothing: true })) {
    await ctx.deps.audit.append({ type: 'alert.altered_copy', actor: ctx.sender.actor, subject: id });
    if (ctx.msg.forwarded) await recordRumour(ctx.deps, forward(ctx, text, language, 'altered_alert', id));
    await ctx.reply(t(language, 'alertAltered', { id, text: textIn(ctx.deps, alert.text, language) }), 'verify');
    return consumed(text);
  }
  await ctx.reply(t(language, 'alertGenuine', { id, code: alert.code, date: sentOn(alert) }), 'verify');
  return consumed(text);
}

/** How many words besides the id a typed question about an alert may have ("is this one real?"). */
const QUESTION_WORDS = 6;

/** A short message typed about an alert: its id and a few words, a question or none. */
function asksAbout(text: string, id: string): boolean {
  const rest = plain(text.replace(new RegExp(id, 'gi'), ' '));
  return rest === '' || rest.split(' ').length <= QUESTION_WORDS;
}

/** Alerts a forward of an alert's words alone is compared with: the most recent ones. */
const WORDS_LOOKBACK = 50;

/**
 * A citizen forwards the words of an alert without its header (cut off, or copied out of it): the
 * embassy's own words, which claim the embassy ("The embassy advises…") and would otherwise be
 * warned of as a rumour the embassy did not send. When they are the words of an alert that went
 * out (with its footer or not, but nothing else), the citizen is told it is genuine, or withdrawn.
 * Returns false for anything else, which goes on as before (rumour, registration, intake). Only
 * forwarded messages pay the read of the recent alerts.
 */
export async function confirmAlertWords(ctx: ChatContext, registered: Promise<string | undefined>): Promise<boolean> {
  const text = ctx.msg.text ?? '';
  if (!ctx.msg.forwarded || ctx.msg.edit || ALERT_ID.test(text) || !plain(text)) return false;
  const { deps } = ctx;
  const ids = await deps.redis.zrevrange(deps.keys.alertsAll, 0, WORDS_LOOKBACK - 1);
  const records = await Promise.all(ids.map((id) => loadRecord(deps, id)));
  let alert: BroadcastRecord | undefined;
  for (const r of records) {
    if (r && !r.exercise && sameWords(deps, text, r, { orNothing: false }) && (await wentOut(ctx, r))) {
      alert = r;
      break;
    }
  }
  if (!alert) return false;
  const language = (await registered) ?? guessLanguage(text, deps.config.languages);
  await deps.audit.append({
    type: 'alert.verified',
    actor: ctx.sender.actor,
    subject: alert.id,
    data: { genuine: true, withCode: CODE.test(text) },
  });
  const withdrawn = alert.status === 'cancelled';
  await ctx.reply(
    t(language, withdrawn ? 'alertWithdrawn' : 'alertGenuine', { id: alert.id, code: alert.code, date: sentOn(alert) }),
    'verify',
  );
  return true;
}

const sentOn = (alert: BroadcastRecord) => utc(alert.createdAt);

/**
 * Whether the embassy sent the alert to anyone: a draft cancelled before it was approved was never
 * sent, and confirming it as genuine gave anyone who typed its id its code, then (as "what the
 * embassy sent" under an altered copy) its words. Only a cancelled alert costs a read of its counts.
 */
async function wentOut(ctx: ChatContext, alert: BroadcastRecord): Promise<boolean> {
  // A draft, one awaiting its second officer, one approved a moment ago: nobody has received it yet.
  if (NOT_STARTED.has(alert.status)) return false;
  if (alert.status !== 'cancelled') return true;
  return (await deliveryCounts(ctx.deps, alert)).sent > 0;
}

/** A forwarded alert the embassy did not send, or a changed copy of one it did, as a rumour going round. */
function forward(ctx: ChatContext, text: string, language: string, kind: RumourKind, alert: string): RumourForward {
  return { text, language, messageId: ctx.msg.id, sender: ctx.sender.actor, kind, alert };
}

/**
 * Words only, folded, for comparing a copy with the original: punctuation, emoji, spacing and line
 * breaks aside, and so WhatsApp's formatting (*bold*, _italics_, ~strike~, ```monospace```, > quotes).
 */
const plain = (text: string) =>
  foldText(westernDigits(text))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** The first words of an alert's header in each language, as a copy cut short keeps them ("OFFICIAL ALERT · ALR-0003"). */
const SHORT_HEADERS = ['OFFICIAL ALERT', 'ALERTE OFFICIELLE', 'تنبيه رسمي'];

/**
 * What frames an alert's words in the message each recipient got (render.ts), in every language
 * (a French reader's copy has the French header): the header whole or cut short, the id, the footer
 * whole or either of its sentences, the code. Plain, the longest first.
 */
function framing(deps: CoreDeps, alert: BroadcastRecord): string[] {
  const pieces = new Set<string>([...SHORT_HEADERS, alert.id, `code ${alert.code}`, alert.code]);
  for (const language of new Set([...deps.config.languages, 'en'])) {
    pieces.add(t(language, 'alertHeader', { embassy: deps.config.embassy.name }));
    const footer = t(language, 'alertFooter', { code: alert.code });
    pieces.add(footer);
    for (const sentence of footer.split(/(?<=\.)\s+/)) pieces.add(sentence);
  }
  return [...pieces]
    .map(plain)
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
}

/** `text` without the alert's framing, plain: the words it carries besides. */
function withoutFraming(text: string, pieces: string[]): string {
  let rest = ` ${plain(text)} `;
  for (const piece of pieces) {
    const whole = ` ${piece} `;
    while (rest.includes(whole)) rest = rest.replace(whole, ' ');
  }
  return rest.trim();
}

/**
 * True when `text` says what the alert says: besides its framing, exactly the alert's words in one of
 * its languages (a word added, removed or changed is another message), or, with `orNothing`, nothing.
 */
function sameWords(deps: CoreDeps, text: string, alert: BroadcastRecord, { orNothing }: { orNothing: boolean }): boolean {
  const pieces = framing(deps, alert);
  const rest = withoutFraming(text, pieces);
  if (!rest) return orNothing;
  // The alert's own words go through the same: an alert that names its id ("ALR-0004 replaces ALR-0003").
  return Object.values(alert.text).some((words) => withoutFraming(words, pieces) === rest);
}

/** True when the verification answer is all: a forwarded alert, or words that ask for nothing more. */
function consumed(text: string): boolean {
  return ALERT_WORDING.test(text) || !readsAsEmergency(text);
}
