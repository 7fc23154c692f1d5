import { Writable } from 'node:stream';
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
});
