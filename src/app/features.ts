import { createAlert } from '../broadcast/alerts.ts';
import { broadcastFeature } from '../broadcast/broadcast-feature.ts';
import { startWelfareCheck } from '../broadcast/welfare.ts';
import { citizensFeature } from '../citizens/citizens-feature.ts';
import { senderProfile } from '../citizens/registry.ts';
import { dashboardFeature } from '../http/dashboard/dashboard-feature.ts';
import { PlaybooksFeature } from '../playbooks/feature.ts';
import { whatsappFeature } from '../transport/baileys/whatsapp-feature.ts';
import type { Feature } from './feature.ts';
import { incidentsFeature } from './incidents/incidents-feature.ts';
import { messageChangesFeature } from './incidents/message-changes.ts';
import { buildSitrep } from './incidents/sitrep.ts';
import { membershipGuardFeature } from './membership-guard.ts';
import { undecryptableFeature } from './undecryptable.ts';

/** Every feature of the product, in the order they see citizen messages (incident intake last: it takes everything). */
export const features: Feature[] = [];

const sitrepSections = () => features.flatMap((f) => (f.sitrep ? [f.sitrep.bind(f)] : []));

features.push(
  dashboardFeature,
  membershipGuardFeature,
  whatsappFeature,
  undecryptableFeature,
  messageChangesFeature,
  citizensFeature,
  broadcastFeature,
  new PlaybooksFeature((deps) => ({
    alert: (input) => createAlert(deps, input),
    welfareCheck: (input) => startWelfareCheck(deps, input),
    sitrep: () => buildSitrep(deps, sitrepSections()),
  })),
  incidentsFeature({ sitrepSections, registeredOf: senderProfile }),
);
