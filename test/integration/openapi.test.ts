import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features } from '../../src/app/features.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { routeDocs } from '../../src/http/route-docs.ts';
import { startTestApp, type TestApp } from '../fakes/test-app.ts';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; set?: unknown; handle?: unknown };
  rawPath?: string | string[];
}

/** Every 'method path' Express would answer, found by walking the router stack; mounted sub-apps count as GET. */
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const at = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths)
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all' && m !== 'head') found.push(`${m} ${prefix}${p}`);
      } else if (layer.handle.stack) walk(layer.handle.stack, prefix + at);
      else if (typeof layer.handle.set === 'function' && typeof layer.handle.handle === 'function') found.push(`get ${prefix}${at}`);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(found)].sort();
}

describe('OpenAPI document', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('openapi');
  });
  afterAll(async () => {
    await app.stop();
  });

  it('is served without a token and is a valid OpenAPI 3.1 document by a third-party validator', async () => {
    const res = await fetch(`${app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route Express serves, and documents no route that does not exist', () => {
    const http = createHttpApp(
      app.deps,
      features.flatMap((f) => (f.apiRoutes ? [f.apiRoutes.bind(f)] : [])),
      features.flatMap((f) => (f.publicRoutes ? [f.publicRoutes.bind(f)] : [])),
    );
    const served = registeredRoutes(http);
    const documented = routeDocs()
      .map((d) => `${d.method} ${d.path}`)
      .sort();
    expect(served).toEqual(expect.arrayContaining(['get /admin/queues', 'post /dashboard/session', 'get /api/audit']));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((d) => !served.includes(d))).toEqual([]);
  });

  it('describes request bodies and queries from the zod schemas that validate them', async () => {
    const { body: doc } = await app.api<{ paths: Record<string, Record<string, Record<string, unknown>>> }>('GET', '/api/openapi.json');
    const mint = doc.paths['/api/tokens']?.post as {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, { enum?: string[] }>; required: string[] } } } };
      'x-required-role': string;
    };
    const schema = mint.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'role']));
    expect(schema.properties.role?.enum).toEqual(expect.arrayContaining(['admin', 'viewer']));
    expect(mint['x-required-role']).toBe('admin');
    const audit = doc.paths['/api/audit']?.get as { parameters: { name: string; in: string }[] };
    expect(audit.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['query:after', 'query:limit']));
    // What the incident PATCH really answers besides 200/400/401/403/404: a refused move and a too-large body.
    const patch = doc.paths['/api/incidents/{id}']?.patch as { responses: Record<string, { description: string }> };
    expect(patch.responses['409']?.description).toMatch(/illegal_transition/);
    expect(Object.keys(patch.responses)).toContain('413');
    const member = doc.paths['/sim/groups/{id}/participants']?.post as { parameters: { name: string; in: string; required: boolean }[] };
    expect(member.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
  });

  it('serves a readable docs page', async () => {
    const res = await fetch(`${app.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('/dashboard/assets/docs.js');
  });
});
