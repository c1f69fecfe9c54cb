import * as z from 'zod/mini';
import { clone } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/**
 * The schema library of every contract and validator: zod/mini, whose functions tree-shake, with zod's
 * English messages (the 400s' `errors[].message`). Classic zod's method-chaining API costs about 20 ms of
 * every cold start, loaded whole whether a function uses one schema or fifty (decisions.md, entry 54).
 * Import it as `import * as z from '<path>/events/zod.js'`, never from 'zod': this module sets the messages'
 * language. It re-exports zod/mini whole, so that every `z.<function>` still tree-shakes (a namespace
 * re-exported as one value would not: it pulled all of zod, with every locale, into each bundle).
 */
z.config(en());

export * from 'zod/mini';

/**
 * `schema` with `metadata` for the OpenAPI and AsyncAPI documents (an `id` names a component), as classic
 * zod's `.meta()` gave it: a copy, so the original keeps its own metadata. zod/mini's `z.meta()` check would
 * carry an `id` on to every schema later derived from this one with `.check()`, and two schemas would claim it.
 */
export function described<Schema extends z.core.$ZodType>(
  schema: Schema,
  metadata: z.core.GlobalMeta,
): Schema {
  const copy = clone(schema);
  z.globalRegistry.add(copy, metadata);
  return copy;
}
