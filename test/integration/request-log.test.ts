import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app/create-app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ADMIN_TOKEN, cleanPrefix, testConfig, uniquePrefix, waitFor } from '../fakes/test-app.ts';

// The request log line of every API call, read as the operator's log collector reads it.
describe('request logs', () => {
  const lines: string[] = [];
  const prefix = uniquePrefix('request-log');
  let app: RunningApp;
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await createApp(testConfig(prefix), createLogger('info', {}, stream), { port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await cleanPrefix(prefix);
  });

  const call = async (method: string, path: string, body?: unknown) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it("name no token holder: revoking Zora Quillfeather's tokens is logged as /api/tokens/:name", async () => {
    expect((await call('POST', '/api/tokens', { name: 'Zora Quillfeather', role: 'viewer' })).status).toBe(201);
    expect((await call('DELETE', '/api/tokens/Zora%20Quillfeather')).status).toBe(200);
    expect((await call('DELETE', '/api/tokens/Zora%20Quillfeather')).status).toBe(404);
    const revokes = await waitFor(async () => {
      const found = lines.filter((l) => /"method":"DELETE"/.test(l));
      return found.length === 2 ? found : undefined;
    });
    for (const line of revokes) expect(JSON.parse(line).req).toEqual({ method: 'DELETE', url: '/api/tokens/:name' });
    expect(lines.join('')).not.toMatch(/Zora|Quillfeather/);
  });
});
