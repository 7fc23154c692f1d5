import type { Feature } from '../app/feature.ts';
import { citizenRoutes } from '../http/routes/citizens.ts';
import { handleCitizenMessage } from './citizen-keywords.ts';
import { rumourSitrep } from './rumours.ts';

/** The citizen registry: REGISTER dialogue, STOP, DELETE, NEWS, SAFE, welfare answers, forwarded rumours. */
export const citizensFeature: Feature = {
  name: 'citizens',
  apiRoutes: (deps) => citizenRoutes(deps),
  citizenMessage: (ctx) => handleCitizenMessage(ctx),
  sitrep: (deps) => rumourSitrep(deps),
};
