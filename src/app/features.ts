import { whatsappFeature } from '../transport/baileys/whatsapp-feature.ts';
import type { Feature } from './feature.ts';
import { incidentsFeature } from './incidents/incidents-feature.ts';
import { membershipGuardFeature } from './membership-guard.ts';

/** Every feature of the product, in the order they see citizen messages (incident intake last: it takes everything). */
export const features: Feature[] = [membershipGuardFeature, whatsappFeature];

features.push(
  incidentsFeature({
    sitrepSections: () => features.flatMap((f) => (f.sitrep ? [f.sitrep.bind(f)] : [])),
  }),
);
