import { STATUS_CODES } from 'node:http';
import { OPERATION_IDS } from './operation-ids.js';

/*
 * What the route schemas alone do not say, added to the generated API document so that clients
 * can be generated from it: operation ids, named component schemas, the headers every response
 * carries, problem+json for errors, a description and an example per operation, and the tags.
 */

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   the document is untyped JSON, walked generically */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** Operations that honour If-Match (a stale tag is 412 and changes nothing). */
const IF_MATCH = new Set([
  'updateProject',
  'deleteProject',
  'updateSpecification',
  'deleteSpecification',
  'updateItem',
  'deleteItem',
  'moveItem',
  'deleteLink',
  'clearLink',
  'deleteBaseline',
  'approveItem',
]);

/** Operations whose answer is one versioned resource with its version as a strong ETag. */
const ETAG = new Set([
  'createProject',
  'getProject',
  'updateProject',
  'createSpecification',
  'getSpecification',
  'updateSpecification',
  'createItem',
  'getItem',
  'updateItem',
  'moveItem',
  'getItemByKey',
  'createLink',
  'getLink',
  'clearLink',
  'createBaseline',
  'getBaseline',
]);

/**
 * Reads whose ETag is current as long as the answer is: If-None-Match gets 304 (a project's
 * answer also carries the caller's role, which its version does not follow).
 */
const CONDITIONAL_GET = new Set([
  'getSpecification',
  'getItem',
  'getItemByKey',
  'getLink',
  'getBaseline',
]);

const TAGS = [
  ['operations', 'Health probes and the public keys of access tokens'],
  ['auth', 'Registration, sign-in, tokens, sessions, password reset and e-mail verification'],
  ['oauth', 'Sign-in with Google, GitHub or an OpenID Connect provider'],
  ['users', 'The signed-in account'],
  ['tokens', 'Personal access tokens for scripts and CI (`Authorization: Bearer gilla_pat_…`)'],
  ['mfa', 'TOTP as a second sign-in step, with recovery codes'],
  ['passkeys', 'Passkeys (WebAuthn) of the signed-in account'],
  ['config', 'Public settings and feature flags evaluated for the caller'],
  ['admin', 'User management, settings and the audit log (administrators)'],
  ['flags', 'Feature flags (administrators)'],
  ['projects', 'Projects, their members and their activity'],
  ['specifications', 'Specifications of a project, and their export'],
  ['items', 'Items of a specification: order, history, keys'],
  ['trace links', 'Typed links between items, suspect marks, impact, coverage, the trace matrix'],
  ['baselines', 'Immutable snapshots of a specification and what changed between them'],
  ['approvals', 'Electronic signatures of items and baselines'],
  ['imports', 'Items in from ReqIF (DOORS, Polarion, StrictDoc …), Gilla JSON or CSV'],
  ['webhooks', 'Signed deliveries of a project’s events to other services (Standard Webhooks)'],
] as const;

const HEADERS: Json = {
  'RateLimit-Limit': {
    description: "Requests allowed in the caller's current window",
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer' },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window starts over',
    schema: { type: 'integer' },
  },
  'X-Request-Id': {
    description: 'The id of this request in the logs (a valid incoming one is echoed)',
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' },
  },
  ETag: {
    description:
      'The resource\'s version as a strong entity tag, e.g. `"3"`: send it back as If-Match',
    schema: { type: 'string' },
  },
  Location: {
    description: 'The path of the resource just created',
    schema: { type: 'string' },
  },
};

const PARAMETERS: Json = {
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'The ETag (version) the change is based on, e.g. `"3"` (a bare `3` is taken too); a stale one is 412 and changes nothing',
    schema: { type: 'string' },
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description: 'An ETag the caller holds: while it is current the answer is 304 without a body',
    schema: { type: 'string' },
  },
};

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** A value that fits a schema, for the examples: the first choice, one element, every property. */
function exampleOf(schema: Json | undefined, name = ''): unknown {
  if (!schema) return null;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const choices = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (choices) return exampleOf(choices.find((c) => c.type !== 'null') ?? choices[0], name);
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...(schema.allOf as Json[]).map((s) => exampleOf(s, name)));
  }
  const type = Array.isArray(schema.type)
    ? schema.type.find((t: string) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, exampleOf(v, k)]));
    }
    case 'array':
      return [exampleOf(schema.items as Json, name)];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 1) : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return stringExample(schema, name);
  }
}

function stringExample(schema: Json, name: string): string {
  if (schema.format === 'date-time') return '2026-12-05T09:30:00.000Z';
  if (schema.format === 'email') return 'ada@example.com';
  if (schema.format === 'uri') return 'https://gilla.example.com/';
  if (typeof schema.pattern === 'string' && schema.pattern.includes('[0-9a-fA-F]{8}')) {
    return '0193a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
  }
  const byName: Record<string, string[]> = {
    key: ['PAY-12', 'PAY', 'verifies', 'new-editor'],
    title: ['Refunds within 14 days'],
    name: ['Payments'],
    body: ['The service **shall** refund a payment within 14 days.'],
    description: ['What this is for'],
    type: ['verifies'],
    status: ['draft'],
    role: ['editor'],
    email: ['ada@example.com'],
    password: ['correct horse battery staple'],
    newPassword: ['correct horse battery staple'],
    currentPassword: ['an older passphrase'],
    contentHash: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  };
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : null;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const fits = (value: string) => value.length >= min && (pattern === null || pattern.test(value));
  // Tokens, codes and verifiers: 43 characters of base64url, as the service hands them out.
  const token = 'q3Vt9xK2mWc7ZpR4yLs8NdE1fHj6AgTb0uQo5iXeYnM';
  return [...(byName[name] ?? []), 'text', token].find(fits) ?? token;
}

/** The schema a response's JSON content has, or undefined. */
const jsonSchemaOf = (response: Json): Json | undefined =>
  response.content?.['application/json']?.schema as Json | undefined;

function describeResponse(status: string): string {
  const code = Number(status);
  if (code >= 400) return `${STATUS_CODES[code] ?? 'Error'}: problem details with a machine code`;
  return STATUS_CODES[code] ?? 'Response';
}

function refineOperation(path: string, method: string, op: Json): void {
  const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
  if (id !== undefined) op.operationId = id;
  op.description ??= op.summary;
  // Routes without a declared requirement are public.
  op.security ??= [];
  // A query parameter with a default (`limit`) may be left out: the server fills it in.
  for (const parameter of (op.parameters ?? []) as Json[]) {
    if (parameter.in === 'query' && parameter.schema?.default !== undefined) {
      parameter.required = false;
    }
  }
  const responses = op.responses as Record<string, Json>;
  // Every route is rate-limited.
  responses['429'] ??= {
    description: '',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  const conditional = id !== undefined && CONDITIONAL_GET.has(id);
  if (conditional) {
    responses['304'] = { description: 'Not Modified: the If-None-Match tag is current' };
  }
  for (const [status, response] of Object.entries(responses)) {
    const code = Number(status);
    if (!response.description || response.description === 'Default Response') {
      response.description = describeResponse(status);
    }
    if (code >= 400 && response.content?.['application/json']) {
      response.content = { 'application/problem+json': response.content['application/json'] };
    }
    const schema = jsonSchemaOf(response);
    const etag = id !== undefined && ETAG.has(id) && ((code >= 200 && code < 300) || code === 304);
    response.headers = {
      ...response.headers,
      'RateLimit-Limit': ref('headers', 'RateLimit-Limit'),
      'RateLimit-Remaining': ref('headers', 'RateLimit-Remaining'),
      'RateLimit-Reset': ref('headers', 'RateLimit-Reset'),
      'X-Request-Id': ref('headers', 'X-Request-Id'),
      ...(code === 429 || code === 503 ? { 'Retry-After': ref('headers', 'Retry-After') } : {}),
      ...(code === 201 ? { Location: ref('headers', 'Location') } : {}),
      ...(etag ? { ETag: ref('headers', 'ETag') } : {}),
    };
    if (
      code >= 200 &&
      code < 300 &&
      schema &&
      response.content['application/json'].example === undefined
    ) {
      response.content['application/json'].example = exampleOf(schema);
    }
  }
  const body = op.requestBody?.content?.['application/json'] as Json | undefined;
  if (body?.schema && body.example === undefined) body.example = exampleOf(body.schema as Json);
  const parameters = (op.parameters ?? []) as Json[];
  if (id !== undefined && IF_MATCH.has(id)) parameters.push(ref('parameters', 'IfMatch'));
  if (conditional) parameters.push(ref('parameters', 'IfNoneMatch'));
  if (parameters.length > 0) op.parameters = parameters;
}

/** Moves every schema with a title into components.schemas, leaving a $ref in its place. */
function nameSchemas(doc: Json): void {
  const named = (doc.components.schemas ??= {}) as Record<string, Json>;
  const visit = (node: unknown, inSchema: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => visit(n, inSchema));
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Json;
    for (const [k, v] of Object.entries(obj)) {
      // Example values are data, not schemas.
      if (k !== 'example') obj[k] = visit(v, inSchema || k === 'schema');
    }
    const title = obj.title;
    if (!inSchema || typeof title !== 'string' || !/^[A-Z][A-Za-z]+$/.test(title)) return obj;
    const existing = named[title];
    if (existing === undefined) named[title] = obj;
    else if (JSON.stringify(existing) !== JSON.stringify(obj)) return obj;
    return ref('schemas', title);
  };
  doc.paths = visit(doc.paths, false);
}

/** The generated document, refined for client generators and linters (see the top of this file). */
export function refineDocument(generated: Json, license: Json): Json {
  const doc = structuredClone(generated);
  doc.info.license = license;
  doc.tags = TAGS.map(([name, description]) => ({ name, description }));
  doc.components = { ...doc.components, headers: HEADERS, parameters: PARAMETERS };
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) if (item[method]) refineOperation(path, method, item[method]);
  }
  nameSchemas(doc);
  return doc;
}
