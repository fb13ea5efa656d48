// GitHub's documented contract for the runner endpoints (test/fixtures/github-openapi-runners.json,
// from GitHub's own OpenAPI description): checks a request against the documented operations and
// an answer against the documented response schema, so the stand-in cannot drift from GitHub.
import { readFileSync } from 'node:fs'
import type http from 'node:http'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

type Schema = Record<string, unknown>
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema: Schema
}
interface MediaType {
  schema: Schema
}
interface OperationSpec {
  operationId: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, MediaType> }
  responses: Record<string, { content?: Record<string, MediaType> }>
}
interface Spec {
  paths: Record<string, Record<string, OperationSpec>>
}

/** A documented operation a request matched. */
export interface Operation {
  method: string
  template: string
  spec: OperationSpec
}

export interface ContractRequest {
  method: string
  /** Path and query as sent, without the API's path prefix (GHES: /api/v3). */
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export interface ContractAnswer {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

export const SPEC_FILE = new URL('../fixtures/github-openapi-runners.json', import.meta.url)

// GitHub redirects a renamed repository to /repositories/{id}/..., which it serves exactly like
// /repos/{owner}/{repo}/... (the description documents only the latter).
const RENAMED_REPOSITORY = /^\/repositories\/\d+(?=\/)/

export class GitHubContract {
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
  private readonly compiled = new WeakMap<Schema, ValidateFunction>()
  private readonly routes: { pattern: RegExp; names: string[]; template: string; operations: Record<string, OperationSpec> }[]
  /** GitHub's error body, documented on its error answers; any undocumented error status uses it. */
  private readonly basicError: Schema

  constructor(readonly spec: Spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec) {
    this.routes = Object.entries(spec.paths).map(([template, operations]) => {
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1])
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`)
      return { pattern, names, template, operations }
    })
    const basicError = Object.values(spec.paths)
      .flatMap((operations) => Object.values(operations))
      .flatMap((operation) => Object.values(operation.responses))
      .map((response) => response.content?.['application/json']?.schema)
      .find((schema) => schema?.title === 'Basic Error')
    if (!basicError) throw new Error(`no "Basic Error" schema in ${SPEC_FILE.pathname}`)
    this.basicError = basicError
  }

  /** The documented operation for a request and every way the request departs from it. */
  checkRequest(request: ContractRequest): { operation?: Operation; violations: string[] } {
    const url = new URL(request.url, 'http://github.invalid')
    const path = url.pathname.replace(RENAMED_REPOSITORY, '/repos/owner/repo')
    const what = `${request.method} ${request.url}`
    const route = this.routes.find((r) => r.pattern.test(path))
    if (!route) return { violations: [`${what}: no documented path matches`] }
    const spec = route.operations[request.method.toLowerCase()]
    if (!spec) return { violations: [`${what}: ${route.template} documents no ${request.method}`] }
    const operation: Operation = { method: request.method, template: route.template, spec }
    const violations: string[] = []
    const parameters = spec.parameters ?? []

    const values = route.pattern.exec(path)!.slice(1)
    route.names.forEach((name, i) => {
      const parameter = parameters.find((p) => p.in === 'path' && p.name === name)
      const value = decoded(values[i])
      if (!parameter) violations.push(`${what}: path parameter "${name}" is not documented`)
      else violations.push(...this.check(parameter.schema, coerce(value, parameter.schema), `${what}: path parameter "${name}"`))
    })

    for (const [name, value] of url.searchParams) {
      const parameter = parameters.find((p) => p.in === 'query' && p.name === name)
      if (!parameter) violations.push(`${what}: query parameter "${name}" is not documented`)
      else violations.push(...this.check(parameter.schema, coerce(value, parameter.schema), `${what}: query parameter "${name}"`))
    }
    for (const parameter of parameters) {
      if (parameter.in === 'query' && parameter.required && !url.searchParams.has(parameter.name)) {
        violations.push(`${what}: required query parameter "${parameter.name}" is missing`)
      }
    }

    const documentedBody = spec.requestBody?.content['application/json']?.schema
    if (!documentedBody) {
      if (request.body !== '') violations.push(`${what}: sends a body, but the operation documents none`)
    } else if (request.body === '') {
      if (spec.requestBody?.required) violations.push(`${what}: the documented body is required`)
    } else {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
        violations.push(`${what}: body sent as ${request.headers['content-type'] ?? 'no content type'}, documented as application/json`)
      violations.push(...this.checkJson(documentedBody, request.body, `${what}: request body`))
    }
    return { operation, violations }
  }

  /** Every way an answer to `operation` departs from what GitHub documents for its status. */
  checkAnswer(operation: Operation, answer: ContractAnswer): string[] {
    const what = `${operation.method} ${operation.template} answered ${answer.status}`
    const documented = operation.spec.responses[String(answer.status)]
    const contentType = String(answer.headers['content-type'] ?? '')
    const json = (schema: Schema): string[] =>
      contentType.startsWith('application/json')
        ? this.checkJson(schema, answer.body, what)
        : [`${what}: content type ${contentType || 'none'}, documented as application/json`]

    if (documented) {
      const schema = documented.content?.['application/json']?.schema
      if (!schema) return answer.body === '' ? [] : [`${what}: has a body, but the status documents none`]
      return json(schema)
    }
    const listed = Object.keys(operation.spec.responses).join(', ')
    if (answer.status >= 200 && answer.status < 300) return [`${what}: GitHub documents only ${listed} for this operation`]
    if (answer.status >= 300 && answer.status < 400) {
      return answer.headers.location ? [] : [`${what}: a redirect without a location`]
    }
    if (answer.status >= 400 && answer.status < 600) return json(this.basicError)
    return [`${what}: not an HTTP status GitHub answers with`]
  }

  private checkJson(schema: Schema, body: string, what: string): string[] {
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return [`${what}: body is not JSON: ${JSON.stringify(body.slice(0, 60))}`]
    }
    return this.check(schema, value, what)
  }

  private check(schema: Schema, value: unknown, what: string): string[] {
    let validate = this.compiled.get(schema)
    if (!validate) this.compiled.set(schema, (validate = this.ajv.compile(withNullables(schema))))
    if (validate(value)) return []
    return (validate.errors ?? []).map((e) => `${what}: ${e.instancePath || '(root)'} ${e.message}`)
  }
}

/**
 * OpenAPI 3.0's `nullable: true` beside `anyOf` and no `type` (GitHub's Installation.account), which
 * Ajv refuses: the same schema, or null. Everything else is left as written.
 */
function withNullables(schema: unknown): Schema {
  if (Array.isArray(schema)) return schema.map(withNullables) as unknown as Schema
  if (typeof schema !== 'object' || schema === null) return schema as Schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withNullables(value)])) as Schema
  if (copy.nullable !== true || copy.type !== undefined) return copy
  delete copy.nullable
  return { anyOf: [copy, { type: 'null' }] }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Path and query values arrive as text; read them as the type their schema documents. */
function coerce(value: string, schema: Schema): unknown {
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value)
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true'
  return value
}

/** Calls `done` with an answer once it has been sent in full; an answer cut short never is. */
export function onAnswerSent(res: http.ServerResponse, done: (answer: ContractAnswer) => void): void {
  const chunks: Buffer[] = []
  let written: ContractAnswer['headers'] = {}
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
  }
  const { writeHead, write, end } = res
  res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    const headers = args.slice(1).find((arg) => typeof arg === 'object' && arg !== null)
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) written[String(headers[i]).toLowerCase()] = String(headers[i + 1])
    } else if (headers) {
      written = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
    }
    return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args)
  } as typeof res.writeHead
  res.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk)
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof res.write
  res.end = function (this: http.ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') keep(chunk)
    return (end as (...a: unknown[]) => http.ServerResponse).call(this, chunk, ...rest)
  } as typeof res.end
  res.on('finish', () => {
    done({ status: res.statusCode, headers: { ...res.getHeaders(), ...written }, body: Buffer.concat(chunks).toString('utf8') })
  })
}
