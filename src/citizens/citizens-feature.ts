import { UnrecoverableError } from 'bullmq';
import type { Feature } from '../app/feature.ts';
import { citizenRoutes } from '../http/routes/citizens.ts';
import { rumourRoutes } from '../http/routes/rumours.ts';
import { handleCitizenMessage } from './citizen-keywords.ts';
import { ERASE_SWEEP, sweepAfterErasure } from './erase.ts';
import { rumourSitrep } from './rumours.ts';

/** The citizen registry: REGISTER dialogue, STOP, DELETE, NEWS, SAFE, welfare answers, forwarded rumours (and GET /api/rumours). */
export const citizensFeature: Feature = {
  name: 'citizens',
  apiRoutes: (deps) => {
    const routes = citizenRoutes(deps);
    routes.use(rumourRoutes(deps));
    return routes;
  },
  citizenMessage: (ctx) => handleCitizenMessage(ctx),
  timers: (deps) => ({
    [ERASE_SWEEP]: async (data) => {
      const senders = Array.isArray(data.senders) ? data.senders.filter((s): s is string => typeof s === 'string' && s !== '') : [];
      if (senders.length === 0) throw new UnrecoverableError('an erase sweep names nobody');
      await sweepAfterErasure(deps, senders);
    },
  }),
  sitrep: (deps) => rumourSitrep(deps),
};
