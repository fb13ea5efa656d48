// A forward proxy on loopback that speaks CONNECT, as a corporate proxy does for `https_proxy`:
// it checks the proxy credentials, resolves the names it was told about (a test's stand-in,
// `stand-in.test`, which nothing else resolves) and tunnels the bytes. It can hold a CONNECT
// without ever answering, the way a stalled proxy does.
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { AddressInfo } from 'node:net'

export interface ProxiedConnect {
  /** The CONNECT target as the client asked for it, `host:port`. */
  target: string
  proxyAuthorization?: string
  at: number
}

/** What the proxy does with one CONNECT: tunnel it, hold it unanswered, or refuse it with a status. */
export type ConnectPlan = 'tunnel' | 'hold' | number

export interface ConnectProxyOptions {
  /** Names the proxy resolves, to loopback addresses: `{ 'stand-in.test': '127.0.0.1' }`. */
  hosts: Record<string, string>
  /** `user:password` the client must present (Proxy-Authorization: Basic); else 407. */
  credentials?: string
  /** Speak TLS to the client with this key and certificate: an `https://` proxy. */
  tls?: { key: string | Buffer; cert: string | Buffer }
}

export class ConnectProxy {
  readonly connects: ProxiedConnect[] = []
  /** How to treat each CONNECT, in order; once empty, every CONNECT is tunnelled. */
  readonly plan: ConnectPlan[] = []
  private readonly server: http.Server | https.Server
  private readonly sockets = new Set<net.Socket>()

  constructor(private readonly options: ConnectProxyOptions) {
    const refuse = (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.writeHead(405).end()
    this.server = options.tls ? https.createServer(options.tls, refuse) : http.createServer(refuse)
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => this.track(socket))
    this.server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => this.onConnect(req, client, head))
  }

  /** Listens on 127.0.0.1 and returns the proxy URL (https:// with `tls`), with the credentials in it when it has some. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as AddressInfo
    const auth = this.options.credentials ? `${this.options.credentials}@` : ''
    return `${this.options.tls ? 'https' : 'http'}://${auth}127.0.0.1:${port}`
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  private onConnect(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const target = req.url ?? ''
    this.connects.push({ target, proxyAuthorization: req.headers['proxy-authorization'], at: Date.now() })
    const refuse = (status: number): void => void client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n\r\n`)
    const { credentials } = this.options
    if (credentials && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(credentials).toString('base64')}`) return refuse(407)
    const plan = this.plan.shift() ?? 'tunnel'
    if (plan === 'hold') return // never answered; close() destroys the socket
    if (typeof plan === 'number') return refuse(plan)
    const [, name, port] = /^(.+):(\d+)$/.exec(target) ?? []
    const address = name === undefined ? undefined : this.options.hosts[name]
    if (!address) return refuse(502)
    const upstream = net.connect(Number(port), address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    this.track(upstream)
    upstream.on('close', () => client.destroy())
    client.on('close', () => upstream.destroy())
  }
}
