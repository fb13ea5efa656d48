// Preloaded into a bundle under test (NODE_OPTIONS=--import): Math.random() always answers
// 0.999, so a random wait (the start spread) takes almost all it may.
Math.random = () => 0.999
