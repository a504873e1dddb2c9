import { expect, test } from 'bun:test'
import { LockQueue } from './locks.ts'

function harness() {
  const q = new LockQueue()
  const started: string[] = []
  const positions: Record<string, number[]> = {}
  const add = (id: string, keys: string[]) =>
    q.acquire(
      id,
      keys,
      () => started.push(id),
      (n) => (positions[id] ??= []).push(n),
    )
  return { q, started, positions, add }
}

test('one holder per key; the rest wait in order, with their positions', () => {
  const { q, started, positions, add } = harness()
  add('a', ['101'])
  add('b', ['101'])
  add('c', ['101'])
  add('x', ['202'])
  add('free', [])
  expect(started).toEqual(['a', 'x', 'free'])
  expect(positions).toEqual({ b: [1], c: [2] })
  q.release('a')
  expect(started).toEqual(['a', 'x', 'free', 'b'])
  expect(positions.c).toEqual([2, 1])
  q.release('b')
  expect(started.at(-1)).toBe('c')
})

test('several keys are taken at once; opposite orders do not deadlock; a later op cannot overtake on a shared key', () => {
  const { q, started, add } = harness()
  add('a', ['1'])
  add('ab', ['1', '2'])
  add('ba', ['2', '1'])
  add('b', ['2'])
  expect(started).toEqual(['a'])
  q.release('a')
  expect(started).toEqual(['a', 'ab'])
  q.release('ab')
  expect(started).toEqual(['a', 'ab', 'ba'])
  q.release('ba')
  expect(started).toEqual(['a', 'ab', 'ba', 'b'])
})

test('remove takes a waiter out and lets the next one move up', () => {
  const { q, started, positions, add } = harness()
  add('a', ['1'])
  add('b', ['1'])
  add('c', ['1'])
  expect(q.remove('b')).toBe(true)
  expect(q.remove('b')).toBe(false)
  expect(positions.c).toEqual([2, 1])
  q.release('a')
  expect(started).toEqual(['a', 'c'])
  expect(q.snapshot()).toEqual({ held: { '1': 'c' }, waiting: [] })
})
