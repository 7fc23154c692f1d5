import { loadRecord } from '../broadcast/broadcast-store.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { t } from './messages.ts';

const ALERT_ID = /\bALR-\d{4,}\b/i;
/** After "code" / "code de vérification" / "رمز التحقق": the four-character verification code. */
const CODE = /(?:[Cc]ode|رمز التحقق)\D{0,20}?\b([A-Z0-9]{4})\b/;

/**
 * A citizen forwards a message that names an alert (e.g. a forwarded alert): tells them whether
 * the embassy really sent that alert with that verification code. Returns false when the message
 * names no alert.
 */
export async function verifyForwardedAlert(ctx: ChatContext, language: string | undefined): Promise<boolean> {
  const text = ctx.msg.text ?? '';
  const id = ALERT_ID.exec(text)?.[0].toUpperCase();
  if (!id) return false;
  const code = CODE.exec(text)?.[1]?.toUpperCase();
  const alert = await loadRecord(ctx.deps, id);
  const genuine = alert !== undefined && !alert.exercise && alert.status !== 'pending_approval' && (!code || code === alert.code);
  await ctx.deps.audit.append({
    type: 'alert.verified',
    actor: ctx.sender.actor,
    subject: id,
    data: { genuine, withCode: code !== undefined },
  });
  if (!genuine) {
    await ctx.reply(t(language, 'alertNotGenuine', { id }), 'verify');
    return true;
  }
  const date = new Date(alert.createdAt).toISOString().slice(0, 16).replace('T', ' ');
  await ctx.reply(t(language, 'alertGenuine', { id, code: alert.code, date: `${date} UTC` }), 'verify');
  return true;
}
