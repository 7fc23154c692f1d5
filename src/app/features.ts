import { createAlert } from '../broadcast/alerts.ts';
import { broadcastFeature } from '../broadcast/broadcast-feature.ts';
import { loadRecord } from '../broadcast/broadcast-store.ts';
import { startWelfareCheck } from '../broadcast/welfare.ts';
import { citizensFeature } from '../citizens/citizens-feature.ts';
import { senderProfile } from '../citizens/registry.ts';
import { dashboardFeature } from '../http/dashboard/dashboard-feature.ts';
import type { PlaybookEffects } from '../playbooks/effects.ts';
import { PlaybooksFeature } from '../playbooks/feature.ts';
import { whatsappFeature } from '../transport/baileys/whatsapp-feature.ts';
import type { CoreDeps } from './deps.ts';
import type { Feature } from './feature.ts';
import { incidentsFeature } from './incidents/incidents-feature.ts';
import { messageChangesFeature } from './incidents/message-changes.ts';
import { buildSitrep } from './incidents/sitrep.ts';
import { membershipGuardFeature } from './membership-guard.ts';
import { missedCallsFeature } from './missed-calls.ts';
import { undecryptableFeature } from './undecryptable.ts';

/** What playbook steps do in the world: the product's own alerts, welfare checks and sitrep. */
export function playbookEffects(deps: CoreDeps): PlaybookEffects {
  return {
    // The run's own post in the cell names the draft, its words and /approve: the draft notice would say it twice.
    alert: (input) => createAlert(deps, { ...input, toldInCell: true }),
    welfareCheck: (input) => startWelfareCheck(deps, input),
    sitrep: () => buildSitrep(deps, sitrepSections()),
    statusOf: async (id) => (await loadRecord(deps, id))?.status,
  };
}

/** Every feature of the product, in the order they see citizen messages (incident intake last: it takes everything). */
export const features: Feature[] = [];

const sitrepSections = () => features.flatMap((f) => (f.sitrep ? [f.sitrep.bind(f)] : []));

features.push(
  dashboardFeature,
  membershipGuardFeature,
  whatsappFeature,
  undecryptableFeature,
  missedCallsFeature,
  messageChangesFeature,
  citizensFeature,
  broadcastFeature,
  new PlaybooksFeature((deps) => playbookEffects(deps)),
  incidentsFeature({ sitrepSections, registeredOf: senderProfile }),
);
