import { expect, test } from 'bun:test'
import { Reverter } from './revert.ts'

test('fail runs the steps newest first; a failing step does not stop the others', async () => {
  const r = new Reverter()
  const order: string[] = []
  r.add(() => order.push('a'), 'a')
  r.add(async () => {
    await new Promise((res) => setTimeout(res, 5))
    order.push('b')
  }, 'b')
  r.add(() => {
    throw new Error('boom')
  }, 'c')
  r.add(() => order.push('d'))
  const seen: string[] = []
  const out = await r.fail((label, err) => seen.push(`${label}${err ? '!' : ''}`))
  expect(order).toEqual(['d', 'b', 'a'])
  expect(out).toEqual({ ran: ['step 4', 'c', 'b', 'a'], failures: ['c: boom'] })
  expect(seen).toEqual(['step 4', 'c!', 'b', 'a'])
  expect(r.size).toBe(0)
  expect(() => r.add(() => {})).toThrow(/settled/)
})

test('success drops every step', async () => {
  const r = new Reverter()
  let ran = false
  r.add(() => (ran = true))
  r.success()
  expect(await r.fail()).toEqual({ ran: [], failures: [] })
  expect(ran).toBe(false)
})
