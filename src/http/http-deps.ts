import type { CoreDeps } from '../app/deps.ts';
import type { Queues } from '../queues/queues.ts';
import type { TokenStore } from '../store/token-store.ts';
import type { SimulatorTransport } from '../transport/simulator/simulator-transport.ts';

/** What the HTTP layer needs beyond the core dependencies. */
export interface HttpDeps extends CoreDeps {
  tokens: TokenStore;
  queues: Queues;
  /** Present when TRANSPORT=simulator: serves /sim. */
  simulator?: SimulatorTransport;
}
