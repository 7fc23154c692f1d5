import { z } from 'zod';
import type { RouteDoc } from './route-docs.ts';

/** A JSON Schema object as zod emits it. */
type JsonSchema = Record<string, unknown>;

/** Facts about the deployment that go into the document's `info`. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. invalid_request, forbidden, illegal_transition' },
        message: { type: 'string', description: 'What went wrong, naming the field when a field is at fault' },
        details: { type: 'array', items: { type: 'object' } },
      },
    },
  },
};

/** zod → JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as the request is written. */
function toSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Express `/api/incidents/:id` → OpenAPI `/api/incidents/{id}`, with the names of the path parameters. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:(\w+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

function queryParameters(query: z.ZodType | undefined): JsonSchema[] {
  if (!query) return [];
  const schema = toSchema(query);
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: 'query',
    required: required.has(name) && s.default === undefined,
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function operation(doc: RouteDoc, params: string[]): JsonSchema {
  const status = String(doc.status ?? 200);
  const produces = [doc.produces ?? 'application/json'].flat();
  const responses: JsonSchema = {
    [status]: {
      description: 'Success',
      content: Object.fromEntries(
        produces.map((type) => [type, { schema: type === 'application/json' ? { type: 'object' } : { type: 'string' } }]),
      ),
    },
    '400': errorResponse('Invalid request: the message names the field'),
    '404': errorResponse('Not found'),
  };
  if (doc.body) responses['413'] = errorResponse('The body is over 100 kB (code payload_too_large)');
  if (doc.conflicts) responses['409'] = errorResponse(doc.conflicts);
  if (doc.role !== 'public') {
    responses['401'] = errorResponse('Missing or invalid token');
    responses['403'] = errorResponse(`The token lacks the ${doc.role} role`);
  }
  return {
    summary: doc.summary,
    operationId: `${doc.method}${doc.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''))}`,
    tags: doc.tags,
    description: doc.role === 'public' ? 'No authentication.' : `Needs the **${doc.role}** role (or higher).`,
    'x-required-role': doc.role,
    security: doc.role === 'public' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }],
    parameters: [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...queryParameters(doc.query),
    ],
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(doc.body) } } } } : {}),
    responses,
  };
}

/** Builds the OpenAPI 3.1 document from the route registry (the same zod schemas that validate requests). */
export function buildOpenApi(docs: readonly RouteDoc[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const sorted = [...docs].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const doc of sorted) {
    const { path, params } = openApiPath(doc.path);
    paths[path] ??= {};
    paths[path][doc.method] = operation(doc, params);
  }
  const tags = [...new Set(sorted.flatMap((d) => d.tags))].sort().map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    tags,
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token minted with POST /api/tokens' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'cc_session', description: 'The dashboard session' },
      },
    },
  };
}
