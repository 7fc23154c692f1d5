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
  const app = createHttpApp(
    deps,
    features.flatMap((f) => (f.apiRoutes ? [f.apiRoutes.bind(f)] : [])),
    features.flatMap((f) => (f.publicRoutes ? [f.publicRoutes.bind(f)] : [])),
  );
  // Express 5 hands a listen error (the port taken, no permission) to this callback, not to 'error'.
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, deps.env.HOST, (err?: Error) => (err ? reject(listenError(err, deps.env.HOST, port)) : resolve(s)));
  });
  // Only once the port is ours: a second start on a taken port must not revoke the running one's token.
  let adminToken: string | undefined;
  try {
    if (deps.env.ADMIN_TOKEN) {
      await deps.tokens.adopt(deps.env.ADMIN_TOKEN, { name: 'admin', role: 'admin' });
      adminToken = deps.env.ADMIN_TOKEN;
    } else if (deps.env.TRANSPORT === 'simulator') {
      adminToken = await deps.tokens.rotateBootstrap();
    } else if (await deps.tokens.dropBootstrap()) {
      // Unsetting ADMIN_TOKEN is taking it away: it must not go on working from Redis.
      await deps.audit.append({
        type: 'token.revoked',
        actor: 'system',
        subject: 'admin',
        data: { tokens: 1, reason: 'admin_token_unset' },
      });
      deps.log.warn(
        'ADMIN_TOKEN is unset: the admin token of an earlier start no longer works; use a minted admin token, or set ADMIN_TOKEN again',
      );
    }
    await followRoster(deps);
  } catch (err) {
    server.close();
    throw err;
  }
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return { server, url, ...(adminToken ? { adminToken } : {}) };
}

/**
 * Staff taken off the roster, or given a lower role, since the last start lose their API tokens
 * (and with them the dashboard): the roster is the config file, read at start.
 */
async function followRoster(deps: HttpDeps): Promise<void> {
  for (const r of await deps.tokens.followRoster(deps.config.staff)) {
    await deps.audit.append({
      type: 'token.revoked',
      actor: 'system',
      subject: r.name,
      data: { tokens: r.tokens, reason: r.reason, ...(r.role ? { role: r.role } : {}) },
    });
    deps.log.warn(
      { name: r.name, tokens: r.tokens, reason: r.reason, ...(r.role ? { role: r.role } : {}) },
      r.reason === 'off_roster'
        ? 'API tokens revoked: their holder is no longer on the roster'
        : 'API tokens revoked: their holder now has a lower role on the roster; an admin can mint a new token',
    );
  }
}

/** Why the API cannot listen, in one line naming the address and what to do. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (err.code === 'EADDRINUSE')
    return new Error(`cannot listen on ${where}: the port is already in use (another crisis-cell?); stop it or set PORT`);
  if (err.code === 'EACCES') return new Error(`cannot listen on ${where}: permission denied; choose a PORT above 1023`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return new Error(`cannot listen on ${where}: this machine has no such address; check HOST`);
  return new Error(`cannot listen on ${where}: ${err.message}`);
}
