import { expect, test } from 'bun:test'
import { Semaphore } from '../../src/exec/semaphore.ts'

test('never runs more than size at once and serves waiters in order', async () => {
  const sem = new Semaphore(3)
  let running = 0
  let peak = 0
  const order: number[] = []
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const release = await sem.acquire()
      running++
      peak = Math.max(peak, running)
      order.push(i)
      await Bun.sleep(2)
      running--
      release()
      release() // double release must not free a second slot
    }),
  )
  expect(peak).toBe(3)
  expect(order).toEqual([...Array(20).keys()])
  expect(sem.inUse).toBe(0)
})
