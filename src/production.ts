/**
 * Imported first by every server entry, before Elysia loads: Elysia decides
 * at import time (NODE_ENV) whether a validation error pretty-prints the
 * whole offending body and a sample value of the schema into its message.
 * LWS never sends that message (http/errors.ts builds its own, bounded), so
 * production mode only saves the work: about 3× less time and memory per
 * hostile 1 MiB body (bench/edge.ts).
 */
process.env.NODE_ENV ??= 'production'
