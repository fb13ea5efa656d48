// `npm run build:action`, after ncc: writes the post step's entry, dist/post/index.js, from
// src/post-entry.ts (see there why it exists). Generated, so the dist check holds it to the sources.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { POST_ENTRY_SOURCE } from '../src/post-entry.js'

const DIR = fileURLToPath(new URL('../dist/post/', import.meta.url))
mkdirSync(DIR, { recursive: true })
writeFileSync(`${DIR}index.js`, POST_ENTRY_SOURCE)
