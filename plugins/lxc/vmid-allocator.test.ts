/** VMID allocation: lowest free ids, serialised per AZ, reserved until released. */
import { describe, expect, test } from 'bun:test'
import { VmidAllocator, VmidExhaustedError } from './vmid-allocator.ts'

describe('VmidAllocator', () => {
  const zone = (used: number[], delay = 0) => ({
    label: 'r/a',
    pve: {
      clusterResources: async () => {
        await Bun.sleep(delay)
        return used.map((vmid) => ({ vmid }))
      },
    },
  })

  test('lowest free ids ≥ start, skipping used, reserved and avoided ones', async () => {
    const a = new VmidAllocator(100)
    const z = zone([100, 102])
    expect(await a.allocate(z, 2)).toEqual([101, 103])
    expect(await a.allocate(z, 1)).toEqual([104])
    expect(await a.allocate(z, 1, new Set([105]))).toEqual([106])
    a.release(z, 101)
    expect(await a.allocate(z, 1)).toEqual([101])
    expect(a.reservedIds('r/a')).toEqual([101, 103, 104, 106])
  })

  test('concurrent allocations in one AZ never overlap; AZs are independent', async () => {
    const a = new VmidAllocator(500)
    const z = zone([], 5)
    const got = await Promise.all(Array.from({ length: 10 }, () => a.allocate(z, 3)))
    const flat = got.flat()
    expect(new Set(flat).size).toBe(30)
    expect(Math.min(...flat)).toBe(500)
    expect(Math.max(...flat)).toBe(529)
    const other = { ...zone([]), label: 'r/b' }
    expect(await a.allocate(other, 1)).toEqual([500])
  })

  test('a failing listing rejects that call only; the queue goes on', async () => {
    const a = new VmidAllocator(100)
    const broken = { label: 'r/a', pve: { clusterResources: async () => Promise.reject(new Error('down')) } }
    await expect(a.allocate(broken, 1)).rejects.toThrow('down')
    expect(await a.allocate(zone([]), 1)).toEqual([100])
  })

  test('exhausted range → VmidExhaustedError, nothing stays reserved', async () => {
    const a = new VmidAllocator(999_999_998)
    await expect(a.allocate(zone([999_999_999]), 2)).rejects.toBeInstanceOf(VmidExhaustedError)
    expect(a.reservedIds('r/a')).toEqual([])
  })
})
