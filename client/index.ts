/**
 * A small typed client of the commerce HTTP API for web and mobile TypeScript apps. Its types are
 * generated from docs/openapi.json by openapi-typescript (`client/api-types.ts`, `npm run docs:openapi`),
 * and this thin wrapper over `fetch` gives each operation a method named after its operationId; it has no
 * runtime dependency beyond `fetch`.
 *
 *   const api = createCommerceClient({ baseUrl: 'http://localhost:3000', token: () => session.idToken });
 *   const page = await api.listProducts({ query: { limit: 10 } });
 *   if (page.status === 200) page.body.items;        // Product[]
 *   else page.body;                                  // Problem, or the gateway's own { message }
 */
import type { components, operations as OperationTypes } from './api-types.js';
import { operations } from './operations.js';

export type { components, paths } from './api-types.js';

/** The documented schemas by name: `Schemas['Product']`. */
export type Schemas = components['schemas'];

export type OperationId = keyof OperationTypes;

type Parameters<Id extends OperationId> = Pick<OperationTypes[Id]['parameters'], 'path' | 'query' | 'header'>;
/** Drops the parts an operation does not have (typed `never` by openapi-typescript), keeping optionality. */
type Present<T> = { [Key in keyof T as [Exclude<T[Key], undefined>] extends [never] ? never : Key]: T[Key] };
type JsonOf<Content> = Content extends { 'application/json': infer Json } ? Json : never;
type RequestBody<Id extends OperationId> = OperationTypes[Id] extends {
  requestBody: { content: infer Content };
}
  ? { body: JsonOf<Content> }
  : OperationTypes[Id] extends { requestBody?: { content: infer Content } }
    ? [JsonOf<Content>] extends [never]
      ? unknown
      : { body?: JsonOf<Content> }
    : unknown;

/** What a request of the operation carries: its `path`, `query` and `header` parameters and its `body`. */
export type RequestOf<Id extends OperationId> = Flat<Present<Parameters<Id>> & RequestBody<Id>>;
type Flat<T> = { [Key in keyof T]: T[Key] };

type Responses<Id extends OperationId> = OperationTypes[Id]['responses'];
/** A response's body: whichever documented media type it came as. */
type BodyOf<Response> = Response extends { content: infer Content } ? Content[keyof Content] : undefined;

/** The answer of an operation: the body's type follows the status (narrow it with `status ===`). */
export type ResponseOf<Id extends OperationId> = {
  [Status in keyof Responses<Id> & number]: {
    status: Status;
    headers: Headers;
    body: BodyOf<Responses<Id>[Status]>;
  };
}[keyof Responses<Id> & number];

export interface CallOptions {
  /** Overrides the client's token for this call (`null`: send none). */
  token?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ClientOptions {
  baseUrl: string;
  /** A bearer token, or a function returning the current one. */
  token?: string | (() => string | undefined);
  fetch?: typeof fetch;
  /** Sent with every request (e.g. `x-correlation-id`). */
  headers?: Record<string, string>;
}

/** A request by method and path, for what the typed methods cannot express (raw bodies, bad input). */
export interface RawRequest extends CallOptions {
  body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  rawBody?: string;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

type Method<Id extends OperationId> =
  Record<string, never> extends RequestOf<Id>
    ? (request?: RequestOf<Id>, options?: CallOptions) => Promise<ResponseOf<Id>>
    : (request: RequestOf<Id>, options?: CallOptions) => Promise<ResponseOf<Id>>;

export type CommerceClient = { [Id in OperationId]: Method<Id> } & {
  request(method: string, path: string, request?: RawRequest): Promise<RawResponse>;
};

interface AnyRequest {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  header?: Record<string, string | undefined>;
  body?: unknown;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  if (!/[/+]json\b/.test(response.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createCommerceClient(options: ClientOptions): CommerceClient {
  const send = options.fetch ?? fetch;
  const baseUrl = options.baseUrl.replace(/\/$/, '');

  async function request(method: string, path: string, raw: RawRequest = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers, ...raw.headers };
    const token =
      raw.token === null
        ? undefined
        : (raw.token ?? (typeof options.token === 'function' ? options.token() : options.token));
    if (token) headers.authorization = `Bearer ${token}`;
    const hasBody = raw.body !== undefined || raw.rawBody !== undefined;
    if (hasBody && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await send(`${baseUrl}${path}`, {
      method,
      headers,
      ...(hasBody ? { body: raw.rawBody ?? JSON.stringify(raw.body) } : {}),
      ...(raw.signal ? { signal: raw.signal } : {}),
    });
    return { status: response.status, headers: response.headers, body: await readBody(response) };
  }

  const client: Record<string, unknown> = { request };
  for (const [id, operation] of Object.entries(operations)) {
    client[id] = (input: AnyRequest = {}, call: CallOptions = {}) => {
      const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = input.path?.[name];
        if (value === undefined) throw new Error(`${id}: path parameter "${name}" is required`);
        return encodeURIComponent(value);
      });
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(input.query ?? {})) {
        if (value !== undefined) query.set(name, String(value));
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(input.header ?? {})) {
        if (value !== undefined) headers[name] = value;
      }
      return request(operation.method, query.size ? `${path}?${query}` : path, {
        ...call,
        headers: { ...headers, ...call.headers },
        ...(input.body === undefined ? {} : { body: input.body }),
      });
    };
  }
  return client as CommerceClient;
}
