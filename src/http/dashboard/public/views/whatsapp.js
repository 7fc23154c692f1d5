// WhatsApp: the gateway's connection state and, while it waits for pairing, the QR to scan.
import { el, when } from '../dom.js';

export async function render(root) {
  let timer;
  const draw = async () => {
    const res = await fetch('/readyz', { credentials: 'same-origin' });
    const r = await res.json();
    const t = r.transport ?? {};
    const waiting = t.state === 'waiting_for_pairing';
    root.replaceChildren(
      el('h1', {}, 'WhatsApp'),
      el(
        'section',
        { className: 'card' },
        el(
          'p',
          { className: `conn conn-${t.state}` },
          el('strong', {}, String(t.state ?? 'unknown').replace(/_/g, ' ')),
          ` · ${t.name ?? ''}${t.at ? ` · reported ${when(t.at)}` : ''}`,
        ),
        el('p', {}, `Redis: ${r.redis}. Service: ${r.status === 'ready' ? 'ready' : 'not ready'}.`),
        waiting
          ? el(
              'div',
              {},
              el('p', {}, 'Open WhatsApp on the embassy phone → Linked devices → Link a device, and scan:'),
              el('img', { className: 'qr', src: `/api/whatsapp/qr?at=${Date.now()}`, alt: 'WhatsApp pairing QR code' }),
            )
          : '',
      ),
    );
    timer = setTimeout(() => draw().catch(() => undefined), waiting ? 5_000 : 15_000);
  };
  await draw();
  return () => clearTimeout(timer);
}
