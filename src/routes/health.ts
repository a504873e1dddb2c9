import { Elysia, t } from 'elysia'

export const health = new Elysia({ name: 'lws-health' }).get('/health', () => ({ status: 'ok' as const }), {
  response: { 200: t.Object({ status: t.Literal('ok') }) },
  detail: { tags: ['core'], summary: 'Health check (no API key needed)', security: [] },
})
