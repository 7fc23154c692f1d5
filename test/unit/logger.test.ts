import { Writable } from 'node:stream';
import { proto } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: createLogger('info', {}, stream), lines, raw: () => raw.join('') };
}

describe('logger redaction', () => {
  it('redacts phones, names and message text at the top level and one level down', () => {
    const { log, lines, raw } = capture();
    log.info({ phone: '+33612345678', name: 'Ana Duty', text: 'my son is hurt', msg2: 1 }, 'top');
    log.info({ message: { from: { phone: '+33612345678' }, text: 'trapped at the hotel', pushName: 'Marie' } }, 'nested');
    expect(raw()).not.toContain('+33612345678');
    expect(raw()).not.toContain('Ana Duty');
    expect(raw()).not.toContain('my son is hurt');
    expect(raw()).not.toContain('trapped at the hotel');
    expect(raw()).not.toContain('Marie');
    expect(lines[0]).toMatchObject({ phone: '[redacted]', name: '[redacted]', text: '[redacted]', msg2: 1, msg: 'top' });
  });

  it('redacts personal keys at any depth and keeps the rest', () => {
    const { log, lines, raw } = capture();
    log.info({ job: { data: { to: { kind: 'dm', phone: '+4915112345678' }, text: 'Your reference is INC-7' }, id: 'o-1' } }, 'deep');
    expect(raw()).not.toContain('+4915112345678');
    expect(raw()).not.toContain('Your reference');
    expect(lines[0]).toMatchObject({ job: { id: 'o-1' } });
  });

  it('scrubs phones and WhatsApp ids inside free text: messages and errors', () => {
    const { log, raw } = capture();
    log.warn({ err: new Error('cannot send to +33612345678') }, 'send failed for 33612345678@s.whatsapp.net');
    log.error(new Error('number +15550000001 is not on WhatsApp'));
    expect(raw()).not.toMatch(/33612345678|15550000001/);
    expect(raw()).toContain('cannot send to [redacted]');
    expect(raw()).toContain('send failed for [redacted]');
    expect(raw()).toContain('"msg":"number [redacted] is not on WhatsApp"');
    expect(raw()).toContain('"type":"Error"');
  });

  it('leaves ids, counts and group ids readable', () => {
    const { log, lines } = capture();
    log.info({ incidentId: 'INC-0042', groupId: '120363000000000001@g.us', count: 3, auditId: '1700000000000-0' }, 'ok');
    expect(lines[0]).toMatchObject({ incidentId: 'INC-0042', groupId: '120363000000000001@g.us', count: 3, auditId: '1700000000000-0' });
  });

  it('redacts WhatsApp protobuf messages and Baileys nodes at any depth: text, push names, device ids', () => {
    const { log, raw } = capture();
    const m = proto.WebMessageInfo.fromObject({
      key: { remoteJid: '33612345678@s.whatsapp.net', id: '3EB0ABC', fromMe: false },
      pushName: 'Marie Curie',
      message: { conversation: 'trapped at the hotel', imageMessage: { caption: 'the road to the north is cut' } },
    });
    log.warn({ msg: m }, 'a message');
    log.warn({ job: { received: [m] } }, 'deeper, in an array');
    const node = {
      tag: 'message',
      attrs: { from: '120363000000000001@g.us', participant: '33612345678:3@s.whatsapp.net', notify: 'Marie Curie' },
    };
    log.warn(
      { node, groupId: '120363000000000001@g.us', lid: '123456789012345:4@lid', list: [{ message: { conversation: 'help me please' } }] },
      'decrypt failed',
    );
    const out = raw();
    expect(out).not.toMatch(/33612345678|123456789012345|Marie Curie|trapped at the hotel|road to the north|help me please/);
    expect(out).toContain('3EB0ABC');
    expect(out).toContain('120363000000000001@g.us');
  });

  it('scrubs phones written with spaces or URL-encoded, as in a logged URL', () => {
    const { log, raw } = capture();
    log.warn({ url: '/sim/messages?to=%2B33612345678&after=3' }, 'slow request');
    log.warn({ err: new Error('+33 6 12 34 56 78 is not on WhatsApp'), at: '2025-01-01T10:00:00.000+00:00' }, 'send failed');
    expect(raw()).not.toMatch(/33612345678|12 34 56 78/);
    expect(raw()).toContain('after=3');
    expect(raw()).toContain('2025-01-01T10:00:00.000+00:00');
  });
});
