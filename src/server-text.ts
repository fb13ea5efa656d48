// Text from a server (GitHub's `message`, a header such as a request id, a proxy's or appliance's
// error) is data. Printed raw, an ESC sequence would recolour or clear the log, a CR hide the
// line, and a line starting `::warning::` would be a workflow command. Every such text passes
// through `escapeControls` before anything prints it; the step summary adds `escapeHtml`.

// C0 (with tab, CR, LF and ESC), DEL and C1: none has any business in a log line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * Whether the text holds a control character. Inputs that go into a request or a log as they are
 * (labels, a runner group's name, a work folder) refuse them, for the same reason.
 */
export function hasControlCharacter(text: string): boolean {
  // search() ignores the g flag's lastIndex, which would make test() stateful.
  return text.search(CONTROL) !== -1
}

/** The text with every control character shown as an escape: `\n`, `\r`, `\t`, else `\xHH`. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** For the step summary, whose table cells @actions/core writes into HTML as they are. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c])
}
