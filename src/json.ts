// JSON from outside (a server's answer, the state a main step saved) is read by one rule: text
// that is not JSON is undefined, never an exception; each reader then checks the shape it needs.

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
