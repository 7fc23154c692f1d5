import { randomUUID } from 'node:crypto';
import type { ChatTransport, ConnectionState, OutboundMessage, SendResult, TransportEvents } from '../../src/transport/chat-transport.ts';

/** A sent message as the recording transport saw it. */
export interface RecordedSend {
  msg: OutboundMessage;
  messageId: string;
  at: number;
}

/**
 * An in-memory transport that records what was sent, once per idempotency key, and
 * calls `onSend` for each first send. For benchmarks and tests of the pipeline itself.
 */
export class RecordingTransport implements ChatTransport {
  readonly name = 'simulator' as const;
  readonly sent = new Map<string, RecordedSend>();
  private connection: ConnectionState = 'closed';

  constructor(private readonly onSend: (record: RecordedSend) => void = () => {}) {}

  async start(events: TransportEvents): Promise<void> {
    this.connection = 'open';
    events.connection?.('open');
  }

  async stop(): Promise<void> {
    this.connection = 'closed';
  }

  state(): ConnectionState {
    return this.connection;
  }

  async send(msg: OutboundMessage): Promise<SendResult> {
    const previous = this.sent.get(msg.idempotencyKey);
    if (previous) return { messageId: previous.messageId, duplicate: true };
    const record = { msg, messageId: `REC-${randomUUID()}`, at: Date.now() };
    this.sent.set(msg.idempotencyKey, record);
    this.onSend(record);
    return { messageId: record.messageId, duplicate: false };
  }
}
