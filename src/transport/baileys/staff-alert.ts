import type { Redis } from 'ioredis';
import type { LiveChange } from '../../domain/live-change.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { RedisKeys } from '../../store/keys.ts';

/** A problem with the WhatsApp number that a duty officer must act on. */
export interface TransportAlert {
  /** Stable code: logged_out, replaced, account_refused, account_restricted, message_capping. */
  code: string;
  /** One sentence for the duty officer: what happened and what to do. */
  message: string;
  data?: Record<string, unknown>;
}

/** Newest alerts kept for the dashboard. */
const KEEP_ALERTS = 50;

/**
 * Alerts the duty officers by every channel that does not depend on WhatsApp (which is
 * the thing that failed): an error log line, the audit trail, the dashboard's alert list
 * and its live events channel.
 */
export async function alertStaff(
  deps: { redis: Redis; keys: RedisKeys; audit: AuditLog; log: Logger },
  alert: TransportAlert,
): Promise<void> {
  const at = new Date().toISOString();
  deps.log.error({ alert: alert.code, ...alert.data }, `WHATSAPP ALERT: ${alert.message}`);
  const entry = JSON.stringify({ ...alert, at });
  // The dashboard reloads its alert banner and WhatsApp view on it (the id is the alert's code).
  const change: LiveChange = { type: 'transport.alert', id: alert.code };
  try {
    await deps.redis
      .multi()
      .lpush(deps.keys.transportAlerts, entry)
      .ltrim(deps.keys.transportAlerts, 0, KEEP_ALERTS - 1)
      .publish(deps.keys.events, JSON.stringify(change))
      .exec();
    await deps.audit.append({ type: 'transport.alert', actor: 'system', subject: alert.code, data: alert.data ?? {} });
  } catch (err) {
    deps.log.error({ err: (err as Error).message, alert: alert.code }, 'cannot record the WhatsApp alert in Redis');
  }
}

/** The newest alerts, newest first. */
export async function recentAlerts(redis: Redis, keys: RedisKeys, limit = 20): Promise<(TransportAlert & { at: string })[]> {
  const rows = await redis.lrange(keys.transportAlerts, 0, limit - 1);
  return rows.map((r) => JSON.parse(r) as TransportAlert & { at: string });
}
