// Preloaded into a bundle under test (NODE_OPTIONS=--import): the wall clock steps by
// CLOCK_STEP_MS once CLOCK_STEP_AFTER_MS have passed, as when NTP corrects a drifting clock or
// someone sets the date. Only Date.now moves; the monotonic clock (performance.now) does not.
const realNow = Date.now
const stepAt = realNow() + Number(process.env.CLOCK_STEP_AFTER_MS ?? 0)
const step = Number(process.env.CLOCK_STEP_MS ?? 0)
Date.now = () => {
  const now = realNow()
  return now >= stepAt ? now + step : now
}
