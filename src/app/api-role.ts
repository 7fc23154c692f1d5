import type { Server } from 'node:http';
import { createHttpApp } from '../http/app.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import type { Feature } from './feature.ts';

/**
 * The API role: adopts the bootstrap admin token (ADMIN_TOKEN, or a generated one in
 * simulator mode) and serves the admin API, the dashboard and the simulator.
 */
export async function startApiRole(
  deps: HttpDeps,
  features: Feature[],
  port: number,
): Promise<{ server: Server; url: string; adminToken?: string }> {
  let adminToken: string | undefined;
  if (deps.env.ADMIN_TOKEN) {
    await deps.tokens.adopt(deps.env.ADMIN_TOKEN, { name: 'admin', role: 'admin' });
    adminToken = deps.env.ADMIN_TOKEN;
  } else if (deps.env.TRANSPORT === 'simulator') {
    adminToken = await deps.tokens.rotateBootstrap();
  }
  const app = createHttpApp(
    deps,
    features.flatMap((f) => (f.apiRoutes ? [f.apiRoutes.bind(f)] : [])),
    features.flatMap((f) => (f.publicRoutes ? [f.publicRoutes.bind(f)] : [])),
  );
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, deps.env.HOST, () => resolve(s)).once('error', reject);
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return { server, url, ...(adminToken ? { adminToken } : {}) };
}
