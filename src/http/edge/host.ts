/**
 * The `Host` header, checked strictly: a DNS name, an IPv4 address or a
 * bracketed IPv6 address, with an optional port 1–65535. Bun hands a request
 * with any other Host to the app with a *relative* `request.url`, which
 * Elysia's router and `new URL()` then read differently; refusing it here
 * means both always see the same path.
 */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/
const PORT = /^[1-9][0-9]{0,4}$/

export function isValidHost(value: string | null): boolean {
  if (!value || value.length > 260) return false
  let name = value
  const colon = value.lastIndexOf(':')
  if (colon !== -1 && !value.endsWith(']')) {
    name = value.slice(0, colon)
    const port = value.slice(colon + 1)
    if (!PORT.test(port) || Number(port) > 65535) return false
  }
  return NAME.test(name) || IPV6.test(name)
}
