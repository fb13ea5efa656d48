// Whether this machine has an IPv6 loopback to listen on: the IPv6 tests skip, with this reason,
// where it has none (some containers disable IPv6).
import net from 'node:net'

export async function ipv6LoopbackMissing(): Promise<string | false> {
  const server = net.createServer()
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '::1', resolve)
    })
    return false
  } catch (error) {
    return `this machine has no IPv6 loopback (::1): ${(error as NodeJS.ErrnoException).code ?? String(error)}`
  } finally {
    server.close()
  }
}
