#!/usr/bin/env node
// check-weapp: is dist/ (npm run build:weapp) a mini program WeChat will take?
//
//   node scripts/check-weapp.js [dist-dir]   check a build (default: dist/)
//   node scripts/check-weapp.js --self-test  show that every check can fail
//
// Checks, each failing with its own message:
//   pages       every page of src/app.config.ts (main and subpackages) is in
//               dist/app.json and has its .js, .json and .wxml (or Taro's base
//               template, base.wxml, for pages that import it) in dist/
//   wxml        WeChat's WXML compiler (wcc, from miniprogram-compiler) accepts
//               every .wxml file
//   wxss        WeChat's WXSS compiler (wcsc) accepts every .wxss file
//   js          every .js file parses
//   size        each package (main: everything outside the subpackage roots;
//               each subpackage root) is at most 2 MiB, all of it at most 20 MiB
//   sandbox     nothing of the h5 preview's sandbox bridge is in the build
//   sandbox-env a weapp build with WEMART_SANDBOX=1 is refused (config/index.ts)
const fs = require('fs')
const path = require('path')
const os = require('os')
const vm = require('vm')
const { spawnSync } = require('child_process')

const root = path.resolve(__dirname, '..')
const MiB = 1024 * 1024
const PACKAGE_LIMIT = 2 * MiB
const TOTAL_LIMIT = 20 * MiB

/** files lists every file under dir, relative to it, with forward slashes. */
function files(dir, rel = '') {
  const out = []
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...files(dir, r))
    else if (e.isFile()) out.push(r)
  }
  return out.sort()
}

/** appConfig reads src/app.config.ts the way Taro does: as a module calling defineAppConfig. */
function appConfig(file) {
  const ts = require('typescript')
  const src = fs.readFileSync(file, 'utf8')
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019 } }).outputText
  const mod = { exports: {} }
  const fn = new vm.Script(`(function (exports, module, require, process, defineAppConfig) {${js}\n})`, { filename: file }).runInThisContext()
  fn(mod.exports, mod, require, { env: { ...process.env, TARO_ENV: 'weapp' } }, (c) => c)
  return mod.exports.default || mod.exports
}

/** pagesOf lists a config's pages with their package root ('' for the main package). */
function pagesOf(cfg) {
  const out = (cfg.pages || []).map((p) => ({ page: p, root: '' }))
  for (const sub of cfg.subPackages || cfg.subpackages || []) {
    for (const p of sub.pages || []) out.push({ page: `${sub.root.replace(/\/$/, '')}/${p}`, root: sub.root.replace(/\/$/, '') })
  }
  return out
}

/** The checks: each returns a list of failure messages (empty: passed) and may print what it saw. */
const checks = {
  pages(dist, ctx) {
    const fails = []
    const want = pagesOf(ctx.config)
    let app
    try {
      app = JSON.parse(fs.readFileSync(path.join(dist, 'app.json'), 'utf8'))
    } catch (err) {
      return [`app.json missing or not JSON: ${err.message}`]
    }
    const have = new Set(pagesOf(app).map((p) => p.page))
    for (const { page } of want) {
      if (!have.has(page)) fails.push(`page ${page} of src/app.config.ts is not in dist/app.json`)
      for (const ext of ['.js', '.json']) {
        if (!fs.existsSync(path.join(dist, page + ext))) fails.push(`page ${page}: ${page}${ext} is missing`)
      }
      const wxml = path.join(dist, `${page}.wxml`)
      if (!fs.existsSync(wxml)) {
        fails.push(`page ${page}: ${page}.wxml is missing`)
      } else {
        // Taro's pages import its base template; the import must resolve.
        const m = /<import\s+src="([^"]+)"/.exec(fs.readFileSync(wxml, 'utf8'))
        if (m && !fs.existsSync(path.resolve(path.dirname(wxml), m[1]))) fails.push(`page ${page}: ${page}.wxml imports ${m[1]}, which is missing`)
      }
    }
    console.log(`  ${want.length} pages of src/app.config.ts, ${have.size} in dist/app.json`)
    return fails
  },

  wxml(dist, ctx) {
    const list = ctx.files.filter((f) => f.endsWith('.wxml'))
    if (!list.length) return ['no .wxml file in the build']
    // wcc takes the whole project at once, as WeChat DevTools calls it (pages
    // import Taro's base template, which imports utils.wxs); its message
    // names the file and line it refuses.
    const err = runWcc(dist, list, ctx.files.filter((f) => f.endsWith('.wxs')))
    console.log(`  wcc ${err ? 'refused' : 'compiled'} ${list.length} .wxml files`)
    return err ? [`wcc refuses the build: ${err}`] : []
  },

  wxss(dist, ctx) {
    const list = ctx.files.filter((f) => f.endsWith('.wxss'))
    if (!list.length) return ['no .wxss file in the build']
    compilerBinaries()
    // wcsc, too, takes every file at once (pages @import the subpackage's
    // common styles). Its wrapper returns an Error rather than throwing.
    const wcsc = require('miniprogram-compiler/src/wcsc')
    let res
    try {
      res = wcsc(dist, list.map((f) => f.slice(0, -'.wxss'.length)), { maxBuffer: 256 * MiB })
    } catch (err) {
      res = err
    }
    console.log(`  wcsc ${res instanceof Error ? 'refused' : 'compiled'} ${list.length} .wxss files`)
    if (res instanceof Error) return [`wcsc refuses the build: ${oneLine(res.message)}`]
    // A page's or component's styles (a .wxss beside a .json) come back as
    // their own function; the rest are @imported into those.
    const missing = list.filter((f) => fs.existsSync(path.join(dist, f.replace(/\.wxss$/, '.json'))) && !(f in res))
    return missing.length ? [`wcsc compiled nothing for ${missing.join(', ')}`] : []
  },

  js(dist, ctx) {
    const list = ctx.files.filter((f) => f.endsWith('.js'))
    if (!list.length) return ['no .js file in the build']
    const fails = []
    for (const f of list) {
      try {
        new vm.Script(fs.readFileSync(path.join(dist, f), 'utf8'), { filename: f })
      } catch (err) {
        fails.push(`${f} does not parse: ${oneLine(err.message)}`)
      }
    }
    console.log(`  ${list.length} .js files parse`)
    return fails
  },

  size(dist, ctx) {
    const roots = [...new Set(pagesOf(ctx.config).map((p) => p.root).filter(Boolean))]
    const sizes = { main: 0 }
    for (const r of roots) sizes[r] = 0
    for (const f of ctx.files) {
      const r = roots.find((x) => f.startsWith(`${x}/`))
      sizes[r || 'main'] += fs.statSync(path.join(dist, f)).size
    }
    for (const [name, bytes] of Object.entries(sizes)) {
      console.log(`  ${name === 'main' ? 'main package' : `subpackage ${name}/`}: ${kib(bytes)} (limit ${kib(PACKAGE_LIMIT)})`)
    }
    console.log(`  all packages: ${kib(Object.values(sizes).reduce((a, b) => a + b, 0))} (limit ${kib(TOTAL_LIMIT)})`)
    return sizeFailures(sizes)
  },

  sandbox(dist, ctx) {
    const needles = [
      ['/sandbox/', /\/sandbox\//],
      ['sandbox-pay', /sandbox-pay/],
      ['wechat.h5', /wechat\.h5/],
      ['sandbox-phone', /sandbox-phone/],
      ['（沙箱）', /（沙箱）/],
      ['WEMART_SANDBOX true', /WEMART_SANDBOX["']?\s*[:=]\s*(?:!0|true)\b/],
    ]
    const fails = []
    for (const f of ctx.files) {
      if (!/\.(js|json|wxml|wxss|wxs)$/.test(f)) continue
      const text = fs.readFileSync(path.join(dist, f), 'utf8')
      for (const [name, re] of needles) {
        if (re.test(text)) fails.push(`${f} carries the h5 sandbox bridge (${name})`)
      }
    }
    return fails
  },
}

/** sizeFailures judges package sizes (bytes by package; 'main' is the main package) against WeChat's limits. */
function sizeFailures(sizes) {
  const fails = []
  let total = 0
  for (const [name, bytes] of Object.entries(sizes)) {
    total += bytes
    if (bytes > PACKAGE_LIMIT) fails.push(`${name === 'main' ? 'the main package' : `subpackage ${name}/`} is ${kib(bytes)}, over WeChat's ${kib(PACKAGE_LIMIT)} per package`)
  }
  if (total > TOTAL_LIMIT) fails.push(`the packages add up to ${kib(total)}, over WeChat's ${kib(TOTAL_LIMIT)}`)
  return fails
}

/**
 * configRefusesSandbox evaluates a Taro config file (config/index.ts) for a
 * weapp build with WEMART_SANDBOX=1 and says why that is wrong, or '' when the
 * config refuses it as it must.
 */
async function configRefusesSandbox(file) {
  const ts = require('typescript')
  const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019, esModuleInterop: true } }).outputText
  const mod = { exports: {} }
  const req = (id) => (id === '@tarojs/cli' ? { defineConfig: (c) => c } : require(id))
  const env = { ...process.env, TARO_ENV: 'weapp', WEMART_SANDBOX: '1' }
  new vm.Script(`(function (exports, module, require, process, __dirname) {${js}\n})`, { filename: file }).runInThisContext()(mod.exports, mod, req, { env }, path.dirname(file))
  const cfg = mod.exports.default
  try {
    await (typeof cfg === 'function' ? cfg(() => ({}), { command: 'build', mode: 'production' }) : cfg)
  } catch (err) {
    return /WEMART_SANDBOX/.test(err.message) ? '' : `${path.basename(file)} fails for another reason: ${err.message}`
  }
  return `${path.relative(root, file)} accepts a weapp build with WEMART_SANDBOX=1: it must throw`
}

/** sandboxEnv: `taro build --type weapp` with WEMART_SANDBOX=1 must be refused by config/index.ts. */
function sandboxEnvRefused() {
  const taro = path.join(root, 'node_modules', '.bin', 'taro')
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'check-weapp-'))
  try {
    const res = spawnSync(taro, ['build', '--type', 'weapp'], {
      cwd: root,
      env: { ...process.env, WEMART_SANDBOX: '1', TARO_ENV: 'weapp', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 300000,
    })
    const text = `${res.stdout || ''}${res.stderr || ''}`
    if (res.status === 0) return ['a weapp build with WEMART_SANDBOX=1 succeeded: config/index.ts must refuse it']
    if (!text.includes('WEMART_SANDBOX=1 is for the h5 preview only')) {
      return [`a weapp build with WEMART_SANDBOX=1 failed, but not with config/index.ts's refusal: ${oneLine(text).slice(-300)}`]
    }
    console.log('  taro build --type weapp with WEMART_SANDBOX=1 is refused')
    return []
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
}

function compilerBinaries() {
  const dir = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', 'linux')
  for (const b of ['wcc', 'wcsc']) {
    const p = path.join(dir, b)
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: reinstall miniprogram-compiler`)
    // npm may drop the executable bit; the compilers are Linux x86-64 binaries.
    if (!(fs.statSync(p).mode & 0o111)) fs.chmodSync(p, 0o755)
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`WeChat's compilers in miniprogram-compiler run on Linux x86-64 here; this is ${process.platform}/${process.arch}`)
  }
  return dir
}

function runWcc(dist, list, wxs) {
  const wcc = path.join(compilerBinaries(), 'wcc')
  const res = spawnSync(wcc, ['-d', '-cc', '0', ...list, ...wxs, '-gn', '$gwx'], { cwd: dist, maxBuffer: 256 * MiB, encoding: 'utf8' })
  if (res.error) return res.error.message
  if (res.status !== 0) return oneLine(res.stderr || res.stdout || `exit status ${res.status}`)
  return ''
}

function oneLine(s) {
  return String(s).replace(/\s+/g, ' ').trim().slice(0, 500)
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`
}

/** check runs the checks over dist and returns the failures, each prefixed by its check. */
async function check(dist, { only, sandboxEnv } = {}) {
  if (!fs.existsSync(path.join(dist, 'app.json')) && !fs.existsSync(dist)) {
    return [`${dist} does not exist: run npm run build:weapp first`]
  }
  const ctx = { config: appConfig(path.join(root, 'src', 'app.config.ts')), files: files(dist) }
  const failures = []
  for (const [name, fn] of Object.entries(checks)) {
    if (only && !only.includes(name)) continue
    console.log(`check-weapp: ${name}`)
    let fails
    try {
      fails = fn(dist, ctx)
    } catch (err) {
      fails = [`could not run: ${err.message}`]
    }
    for (const f of fails) failures.push(`${name}: ${f}`)
  }
  if (sandboxEnv) {
    console.log('check-weapp: sandbox-env')
    const why = await configRefusesSandbox(sandboxEnv === true ? path.join(root, 'config', 'index.ts') : sandboxEnv)
    if (why) failures.push(`sandbox-env: ${why}`)
    // and the real CLI, which is what people run (only for the real config)
    if (sandboxEnv === true) for (const f of sandboxEnvRefused()) failures.push(`sandbox-env: ${f}`)
  }
  return failures
}

/**
 * selfTest copies the build, breaks it once per case, and expects the check
 * the case is for to fail; then the untouched copy must pass every check.
 */
async function selfTest(dist) {
  if (!fs.existsSync(path.join(dist, 'app.json'))) {
    console.error(`check-weapp --self-test needs a build to break: run npm run build:weapp first (${dist} has no app.json)`)
    return 1
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-weapp-self-'))
  const sub = pagesOf(appConfig(path.join(root, 'src', 'app.config.ts'))).find((p) => p.root)
  const subRoot = sub ? sub.root : ''
  const cases = [
    ['pages', 'a page left out of app.json', (d) => {
      const app = JSON.parse(fs.readFileSync(path.join(d, 'app.json'), 'utf8'))
      app.pages = app.pages.filter((p) => p !== 'pages/cart/index')
      fs.writeFileSync(path.join(d, 'app.json'), JSON.stringify(app))
    }],
    ['pages', 'a page without its .wxml', (d) => fs.rmSync(path.join(d, 'pages/cart/index.wxml'))],
    ['pages', 'a subpackage page without its .js', (d) => fs.rmSync(path.join(d, `${sub.page}.js`))],
    ['wxml', 'an unclosed tag', (d) => fs.appendFileSync(path.join(d, 'pages/index/index.wxml'), '\n<view wx:for="{{items}}"><text>{{item.</view>\n')],
    ['wxss', 'an unclosed rule', (d) => fs.appendFileSync(path.join(d, 'app.wxss'), '\n.broken { color: red; \n')],
    ['js', 'a syntax error', (d) => fs.appendFileSync(path.join(d, `${sub.page}.js`), '\nfunction (\n')],
    ['size', 'a subpackage over 2 MiB', (d) => fs.writeFileSync(path.join(d, subRoot, 'padding.bin'), Buffer.alloc(PACKAGE_LIMIT + 1))],
    ['size', 'the main package over 2 MiB', (d) => fs.writeFileSync(path.join(d, 'padding.bin'), Buffer.alloc(PACKAGE_LIMIT + 1))],
    ['sandbox', 'a /sandbox/ URL', (d) => fs.appendFileSync(path.join(d, 'app.js'), '\n;var u = "/sandbox/pay";\n')],
    ['sandbox', 'the sandbox cashier', (d) => fs.appendFileSync(path.join(d, 'common.js'), '\n;var t = "sandbox-pay-confirm";\n')],
    ['sandbox', 'WEMART_SANDBOX defined true', (d) => fs.appendFileSync(path.join(d, 'app.js'), '\n;var WEMART_SANDBOX = true;\n')],
  ]
  let bad = 0
  const expect = (name, what, fails) => {
    if (fails.length) {
      console.log(`self-test: ${name} fails on ${what}, as it must: ${fails[0]}`)
    } else {
      console.error(`self-test: ${name} PASSED ${what}: the check cannot fail`)
      bad++
    }
  }
  try {
    for (const [name, what, breakIt] of cases) {
      const d = path.join(tmp, 'case')
      fs.rmSync(d, { recursive: true, force: true })
      fs.cpSync(dist, d, { recursive: true })
      breakIt(d)
      expect(name, what, await check(d, { only: [name] }))
    }
    // twelve packages of 1.9 MiB each: none over its limit, the whole over 20 MiB
    const many = { main: 1.9 * MiB }
    for (let i = 0; i < 11; i++) many[`sub${i}`] = 1.9 * MiB
    expect('size', 'packages adding up to over 20 MiB', sizeFailures(many))
    const cfg = path.join(tmp, 'config-unguarded.ts')
    try {
      const text = fs.readFileSync(path.join(root, 'config', 'index.ts'), 'utf8')
      const unguarded = text.replace(/throw new Error\([^)]*WEMART_SANDBOX[^)]*\)/, 'void 0')
      if (unguarded === text) throw new Error('config/index.ts has no WEMART_SANDBOX throw to take out')
      fs.writeFileSync(cfg, unguarded)
      const why = await configRefusesSandbox(cfg)
      expect('sandbox-env', 'a config without the WEMART_SANDBOX guard', why ? [why] : [])
    } finally {
      fs.rmSync(cfg, { force: true })
    }
    const d = path.join(tmp, 'intact')
    fs.cpSync(dist, d, { recursive: true })
    const fails = await check(d, { sandboxEnv: true })
    if (fails.length) {
      console.error(`self-test: the unbroken copy fails:\n  ${fails.join('\n  ')}`)
      bad++
    } else {
      console.log('self-test: the unbroken copy passes every check')
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`check-weapp --self-test: ${bad ? 'FAIL' : 'PASS'}`)
  return bad ? 1 : 0
}

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'))
  const dist = path.resolve(args[0] || path.join(root, 'dist'))
  if (argv.includes('--self-test')) return selfTest(dist)
  if (!fs.existsSync(path.join(dist, 'app.json'))) {
    console.error(`check-weapp: FAIL: ${dist} has no app.json: run npm run build:weapp first`)
    return 1
  }
  const failures = await check(dist, { sandboxEnv: !argv.includes('--skip-sandbox-env') })
  if (failures.length) {
    console.error(`check-weapp: FAIL (${failures.length}):`)
    for (const f of failures) console.error(`  - ${f}`)
    return 1
  }
  console.log('check-weapp: PASS')
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`check-weapp: FAIL: ${err.stack || err}`)
    process.exitCode = 1
  },
)
