#!/usr/bin/env node
// deps-current: exit 0 when node_modules holds exactly what package-lock.json
// asks for (npm's record of the install, node_modules/.package-lock.json, has
// every package at the locked version; optional packages for other platforms
// may be absent), 1 otherwise. make uses it when node_modules is older than
// package-lock.json, which a fresh checkout's file times alone would claim.
const fs = require('fs')
const path = require('path')

const root = path.resolve(__dirname, '..')
try {
  const want = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages || {}
  const have = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', '.package-lock.json'), 'utf8')).packages || {}
  for (const [name, p] of Object.entries(want)) {
    if (!name) continue
    const h = have[name]
    if (!h ? !p.optional : h.version !== p.version) process.exit(1)
  }
  for (const name of Object.keys(have)) if (!(name in want)) process.exit(1)
  process.exit(0)
} catch {
  process.exit(1)
}
