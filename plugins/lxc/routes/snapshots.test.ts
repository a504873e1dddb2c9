/** Snapshot lists in tree order. */
import { describe, expect, test } from 'bun:test'
import { treeOrder } from './snapshots.ts'

describe('snapshot order', () => {
  test('parents before children even within the same second; siblings by time', async () => {
    const snap = (name: string, snaptime: number, parent?: string) => ({ name, snaptime, description: '', current: false, ...(parent ? { parent } : {}) })
    const order = treeOrder([snap('zz-child', 10, 'root'), snap('b-sibling', 12, 'root'), snap('root', 10), snap('orphan', 5, 'gone')])
    expect(order.map((x) => x.name)).toEqual(['orphan', 'root', 'zz-child', 'b-sibling'])
  })
})
