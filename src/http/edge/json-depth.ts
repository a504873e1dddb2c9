/**
 * How deep a JSON text nests, found by one pass over the bytes before any
 * parser or validator sees it: a deeply nested body costs the validator
 * seconds and hundreds of MB, the scan costs about a millisecond per MiB.
 */
const OPEN_OBJ = 0x7b, OPEN_ARR = 0x5b, CLOSE_OBJ = 0x7d, CLOSE_ARR = 0x5d, QUOTE = 0x22, BACKSLASH = 0x5c

/** True when brackets outside strings nest deeper than `max`. */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (inString) {
      if (b === BACKSLASH) i++
      else if (b === QUOTE) inString = false
      continue
    }
    if (b === QUOTE) inString = true
    else if (b === OPEN_OBJ || b === OPEN_ARR) {
      if (++depth > max) return true
    } else if (b === CLOSE_OBJ || b === CLOSE_ARR) depth--
  }
  return false
}
