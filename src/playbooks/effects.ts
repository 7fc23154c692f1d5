import type { Audience } from '../broadcast/audience.ts';
import type { AlertStatus } from '../broadcast/broadcast-store.ts';
import type { Actor } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';

/**
 * The port through which playbook steps use the broadcast and incident features. The
 * composition root wires it to createAlert, startWelfareCheck and buildSitrep; tests pass a
 * recording double (test/fakes/playbook-effects.ts).
 */

/** Who an alert or welfare check goes to (`cellGroups` alone means staff only, as in exercises), and who acts. */
export type { Actor, Audience };

export interface AlertInput {
  author: Actor;
  audience: Audience;
  text: Record<string, string>;
  exercise?: boolean;
  /** A stable key of the step that asked (`playbook:RUN-0001:first-alert`): the same source is the same alert. */
  source?: string;
}

export interface WelfareCheckInput {
  author: Actor;
  audience: Audience;
  text?: Record<string, string>;
  exercise?: boolean;
  source?: string;
}

/** What playbook steps need from the rest of the product. */
export interface PlaybookEffects {
  /** `total`: how many it reaches (when the broadcast says), so the cell knows an alert that reaches nobody. */
  alert(input: AlertInput): Promise<{ id: string; status: AlertStatus; code: string; total?: number }>;
  welfareCheck(input: WelfareCheckInput): Promise<{ id: string; total?: number }>;
  sitrep(): Promise<string>;
  /**
   * The status now of an alert or welfare check a step made (`pending_approval`, `sending`, `open`,
   * `cancelled`, …), undefined when unknown: a stopped run's notice names those still live.
   */
  statusOf(id: string): Promise<string | undefined>;
}

/**
 * Effects for a build without the broadcast and incident features: alert, welfare-check and
 * sitrep steps fail visibly (the cell is told to do them by hand) instead of pretending.
 */
export const effectsUnavailable: PlaybookEffects = {
  async alert() {
    throw new AppError('not_available', 'consular alerts are not available in this build');
  },
  async welfareCheck() {
    throw new AppError('not_available', 'welfare checks are not available in this build');
  },
  async sitrep() {
    throw new AppError('not_available', 'situation reports are not available in this build');
  },
  async statusOf() {
    return undefined;
  },
};
