import { Router } from 'express';
import qrcode from 'qrcode';
import type { CoreDeps } from '../../app/deps.ts';
import type { Feature } from '../../app/feature.ts';
import { heldCount, utc } from '../../app/held-sends.ts';
import { readTransportState } from '../../app/transport-state.ts';
import { AppError } from '../../domain/errors.ts';
import { requireRole } from '../../http/auth.ts';
import { documentRoute } from '../../http/route-docs.ts';
import { endOf, type Restriction } from './account-restriction.ts';
import { recentAlerts } from './staff-alert.ts';

const tags = ['whatsapp'];
documentRoute({
  method: 'get',
  path: '/api/whatsapp',
  summary: 'Connection state, pairing status, restriction and recent transport alerts',
  role: 'viewer',
  tags,
});
documentRoute({
  method: 'get',
  path: '/api/whatsapp/qr',
  summary: 'The pairing QR code as a PNG while one is waiting (404 otherwise)',
  role: 'admin',
  tags,
  produces: 'image/png',
});
documentRoute({
  method: 'delete',
  path: '/api/whatsapp/restriction',
  summary: 'Lift a restriction on new chats after WhatsApp lifted it: held messages go out',
  role: 'admin',
  tags,
});

/** The /sitrep line of a restriction on new chats, if one is in force. */
async function sitrepLines(deps: CoreDeps): Promise<string[]> {
  const raw = await deps.redis.get(deps.keys.waRestricted);
  if (!raw) return [];
  const r = JSON.parse(raw) as Restriction;
  const held = await heldCount(deps);
  return [
    `WhatsApp: no new chats (${r.reason.replace(/_/g, ' ')}) until ${utc(endOf(r))} at the latest; ${held} message${held === 1 ? '' : 's'} to people who have not written to the number recently held until then. Replies and cell-group posts go out.`,
  ];
}

/**
 * The WhatsApp number seen from the admin API: connection state, pairing (QR image and
 * pairing code), alerts, and lifting a restriction on new chats (with how many messages it
 * holds). Reads Redis only, so it works in an API process apart from the gateway.
 */
export const whatsappFeature: Feature = {
  name: 'whatsapp',
  sitrep: (deps) => sitrepLines(deps),
  apiRoutes(deps) {
    const r = Router();
    r.get('/api/whatsapp', requireRole('viewer'), async (_req, res) => {
      const { redis, keys } = deps;
      const [state, qr, pairingCode, restricted, held, alerts] = await Promise.all([
        readTransportState(deps),
        redis.exists(keys.waQr),
        redis.get(keys.waPairingCode),
        redis.get(keys.waRestricted),
        heldCount(deps),
        recentAlerts(redis, keys),
      ]);
      res.json({
        transport: state,
        pairing: { qrWaiting: qr === 1, pairingCode: pairingCode ?? null },
        restricted: restricted ? JSON.parse(restricted) : null,
        held,
        alerts,
      });
    });
    r.get('/api/whatsapp/qr', requireRole('admin'), async (_req, res) => {
      const qr = await deps.redis.get(deps.keys.waQr);
      if (!qr) throw new AppError('no_qr_waiting', 'no pairing QR is waiting: the number is paired, or the gateway is not running', 404);
      const png = await qrcode.toBuffer(qr, { type: 'png', margin: 2, width: 320 });
      res.set('cache-control', 'no-store').type('png').send(png);
    });
    r.delete('/api/whatsapp/restriction', requireRole('admin'), async (req, res) => {
      const [[, removed]] = (await deps.redis.multi().del(deps.keys.waRestricted).del(deps.keys.waRefused).exec()) as [[unknown, number]];
      const lifted = removed === 1;
      if (lifted) {
        await deps.audit.append({ type: 'transport.restriction_lifted', actor: req.principal?.name ?? 'admin', data: {} });
      }
      res.json({ lifted });
    });
    return r;
  },
};
