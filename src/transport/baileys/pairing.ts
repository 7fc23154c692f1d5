import type { Redis } from 'ioredis';
import qrcode from 'qrcode';
import type { RedisKeys } from '../../store/keys.ts';
import type { BaileysSocket } from './baileys-transport.ts';

/** How a gateway shows the embassy how to link the number. */
export interface PairingOptions {
  redis: Redis;
  keys: RedisKeys;
  /** Pair by code with this number instead of by QR. */
  pairingNumber?: string | undefined;
  /** Write the QR or code to the terminal. */
  print: boolean;
}

/** Keeps a new QR for GET /api/whatsapp/qr (WhatsApp replaces it about every 20 s). */
export async function keepQr(o: PairingOptions, qr: string): Promise<void> {
  await o.redis.set(o.keys.waQr, qr, 'EX', 60);
}

/** Prints the QR; or, with a pairing number, asks once per socket for a pairing code and shows that instead. */
export async function showPairing(o: PairingOptions, sock: BaileysSocket, qr: string, firstOfSocket: boolean): Promise<void> {
  if (o.pairingNumber) {
    if (!firstOfSocket) return;
    const code = await sock.requestPairingCode(o.pairingNumber.replace(/\D/g, ''));
    await o.redis.set(o.keys.waPairingCode, code, 'EX', 180);
    if (o.print) process.stdout.write(`\n  WhatsApp pairing code: ${code}\n  (WhatsApp > Linked devices > Link with phone number)\n\n`);
    return;
  }
  if (o.print) {
    const art = await qrcode.toString(qr, { type: 'terminal', small: true });
    process.stdout.write(`\n  Scan with WhatsApp > Linked devices (or GET /api/whatsapp/qr):\n${art}\n`);
  }
}
