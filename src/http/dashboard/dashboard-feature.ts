import type { Feature } from '../../app/feature.ts';
import type { HttpDeps } from '../http-deps.ts';
import { EventHub } from './event-hub.ts';
import { opsRoutes } from './ops-routes.ts';
import { pageRoutes } from './page-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { staffRoutes } from './staff-routes.ts';

/** One live-event hub per running app (tests run several apps in one process). */
const hubs = new WeakMap<HttpDeps, EventHub>();

/**
 * The duty officer's dashboard, the API documentation, /metrics and the queue view.
 * Everything here is mounted before bearer authentication and authenticates itself.
 */
export const dashboardFeature: Feature = {
  name: 'dashboard',
  publicRoutes(deps) {
    const r = sessionRoutes(deps);
    r.use(opsRoutes(deps));
    r.use(staffRoutes(deps));
    r.use(pageRoutes(deps, () => hubs.get(deps)));
    return r;
  },
  async start(ctx) {
    if (!ctx.plays('api')) return [];
    const hub = new EventHub(ctx.connect(), ctx.deps.keys.events, ctx.deps.log.child({ feature: 'dashboard' }));
    await hub.start();
    hubs.set(ctx.deps, hub);
    return [{ close: () => hub.close() }];
  },
};
