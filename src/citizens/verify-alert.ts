import { type BroadcastRecord, deliveryCounts, loadRecord } from '../broadcast/broadcast-store.ts';
import { textIn } from '../broadcast/render.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { foldText, guessLanguage } from '../domain/text-normalise.ts';
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
  const date = new Date(alert.createdAt).toISOString().slice(0, 16).replace('T', ' ');
  // Cancelled (sent by mistake, stopped half-way): those who got it must not act on it.
  if (alert.status === 'cancelled') {
    await ctx.reply(t(language, 'alertWithdrawn', { id, date: `${date} UTC` }), 'verify');
    return consumed(text);
  }
  // A copy of the alert (its header or footer) whose words are not the alert's in any language was
  // changed on its way ("stay indoors" became "go to the airport"): the id and code alone are no proof.
  if (ALERT_WORDING.test(text) && !Object.values(alert.text).some((words) => plain(text).includes(plain(words)))) {
    await ctx.deps.audit.append({ type: 'alert.altered_copy', actor: ctx.sender.actor, subject: id });
    if (ctx.msg.forwarded) await recordRumour(ctx.deps, forward(ctx, text, language, 'altered_alert', id));
    await ctx.reply(t(language, 'alertAltered', { id, text: textIn(ctx.deps, alert.text, language) }), 'verify');
    return consumed(text);
  }
  await ctx.reply(t(language, 'alertGenuine', { id, code: alert.code, date: `${date} UTC` }), 'verify');
  return consumed(text);
}

/** Statuses of an alert nobody has received yet: a draft, one awaiting its second officer, one approved a moment ago. */
const NOT_SENT = new Set(['draft', 'pending_approval', 'approved']);

/**
 * Whether the embassy sent the alert to anyone: a draft cancelled before it was approved was never
 * sent, and confirming it as genuine gave anyone who typed its id its code, then (as "what the
 * embassy sent" under an altered copy) its words. Only a cancelled alert costs a read of its counts.
 */
async function wentOut(ctx: ChatContext, alert: BroadcastRecord): Promise<boolean> {
  if (NOT_SENT.has(alert.status)) return false;
  if (alert.status !== 'cancelled') return true;
  return (await deliveryCounts(ctx.deps, alert)).sent > 0;
}

/** A forwarded alert the embassy did not send, or a changed copy of one it did, as a rumour going round. */
function forward(ctx: ChatContext, text: string, language: string, kind: RumourKind, alert: string): RumourForward {
  return { text, language, messageId: ctx.msg.id, sender: ctx.sender.actor, kind, alert };
}

/** Words only, folded, for comparing a copy with the original: punctuation, emoji and spacing aside. */
const plain = (text: string) =>
  foldText(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** True when the verification answer is all: a forwarded alert, or words that ask for nothing more. */
function consumed(text: string): boolean {
  return ALERT_WORDING.test(text) || !readsAsEmergency(text);
}
