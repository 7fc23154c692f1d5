import type { CoreDeps } from '../../src/app/deps.ts';
import type { AlertInput, PlaybookEffects, WelfareCheckInput } from '../../src/playbooks/effects.ts';
import { PRIORITY } from '../../src/queues/queues.ts';

/** A citizen phone the fake broadcast writes to whenever an alert or check targets citizens. */
export const FAKE_CITIZEN = '+33612345678';

export type EffectCall = { kind: 'alert'; input: AlertInput } | { kind: 'welfare'; input: WelfareCheckInput } | { kind: 'sitrep' };

/**
 * A test double of the broadcast/incident port. It records every call and, like the real
 * broadcast, delivers: to a citizen when the audience names citizens, to the cell groups
 * when it is the staff-only exercise audience. `holdSitrep` makes sitrep hang (a worker dying mid-step).
 */
export class RecordingEffects implements PlaybookEffects {
  readonly calls: EffectCall[] = [];
  holdSitrep = false;
  /** How many an alert reaches, as the real broadcast says (left out when unset, as before). */
  alertTotal: number | undefined;
  /** How many a welfare check asks (left out when unset). */
  welfareTotal: number | undefined;
  /** The status of each alert and check made, as statusOf answers it (set it to play a cancel or a close). */
  readonly statuses = new Map<string, string>();
  private deps: CoreDeps | undefined;
  private seq = 0;

  constructor(overrides: Partial<Pick<RecordingEffects, 'holdSitrep'>> = {}) {
    Object.assign(this, overrides);
  }

  /** Lets the double deliver through the app's outbox. */
  bind(deps: CoreDeps): this {
    this.deps = deps;
    return this;
  }

  async alert(input: AlertInput) {
    this.calls.push({ kind: 'alert', input });
    this.seq += 1;
    await this.deliver(input.audience, input.text.en ?? '', `alert:${input.source}`);
    this.statuses.set(`ALR-${this.seq}`, 'pending_approval');
    return {
      id: `ALR-${this.seq}`,
      status: 'pending_approval' as const,
      code: `A${this.seq}`,
      ...(this.alertTotal !== undefined ? { total: this.alertTotal } : {}),
    };
  }

  async welfareCheck(input: WelfareCheckInput) {
    this.calls.push({ kind: 'welfare', input });
    this.seq += 1;
    await this.deliver(input.audience, input.text?.en ?? 'Are you safe?', `welfare:${input.source}`);
    this.statuses.set(`WC-${this.seq}`, 'open');
    return { id: `WC-${this.seq}`, ...(this.welfareTotal !== undefined ? { total: this.welfareTotal } : {}) };
  }

  async sitrep(): Promise<string> {
    this.calls.push({ kind: 'sitrep' });
    if (this.holdSitrep) return new Promise<string>(() => {});
    return 'Open incidents: 2 (1 critical). Citizens registered: 40.';
  }

  async statusOf(id: string): Promise<string | undefined> {
    return this.statuses.get(id);
  }

  private async deliver(audience: AlertInput['audience'], text: string, key: string): Promise<void> {
    if (!this.deps) return;
    const citizens = audience.all || (audience.regions?.length ?? 0) > 0;
    const to = citizens
      ? [{ kind: 'dm' as const, phone: FAKE_CITIZEN }]
      : this.deps.config.cellGroups.map((g) => ({ kind: 'group' as const, id: g.id }));
    for (const t of to)
      await this.deps.outbox.send({ to: t, text, kind: 'alert', idempotencyKey: `${key}:${JSON.stringify(t)}` }, PRIORITY.alert);
  }
}
