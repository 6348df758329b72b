#!/usr/bin/env node
// The mini program end to end: a real wemart (bin/wemart, sandbox mode, demo
// data in a fresh data dir) serving the h5 preview (dist-h5/), driven in
// headless Chromium through the shopper's and the counter's journeys. Every
// step checks what the API then says, not only what the screen shows.
//
//   node e2e/run.js [--journeys=1,2,3,4] [--update-readme-shots] [--scale=2] [--keep]
//
// Needs: bin/wemart (make build), dist-h5/ (npm run build:h5), Debian's
// Chromium (/usr/bin/chromium, or E2E_CHROMIUM). playwright-core never
// downloads a browser here. Screenshots of every page visited go to
// e2e/screenshots/ (not committed); --update-readme-shots copies a chosen set
// into docs/screenshots/ (committed; the README shows them).
//
// Journeys:
//   1 pickup:   nearby stores → store → search 牛奶 → product → add to cart →
//               cart → checkout (pickup) → sandbox cashier → paid, pickup code
//   2 delivery: add an address (sandbox map pin) → product → cart → checkout
//               (delivery) → paid
//   3 cancel:   place an order, close the cashier, cancel it on the order
//               page → cancelled, stock released
//   4 counter:  staff login (a wrong password first) → orders → 备货完成 →
//               hand-over: a wrong code scanned is refused, journey 1's pickup
//               code typed → completed (with an order placed through the API
//               when journey 1 did not produce one)
//   5 tabs:     home (the store, its products), search by pinyin (niunai
//               finds milk) and a search that matches nothing (the notice,
//               the best sellers offered), a product QR scene, the
//               orders list, me (a nickname saved, as the API then says)
//   6 tracking: a delivery order paid in the cashier, the subscribe prompt
//               accepted (sandbox grants, POST /api/v1/subscriptions) →
//               staff login → the 发快递 form (not sent) → 派骑手 → the rider
//               advanced (POST /sandbox/logistics/advance) to picked_up and
//               delivered, seen on the order page by its 10 s refresh →
//               确认收货 → completed
//   7 members:  staff make a coupon template through the admin API → the
//               coupon centre: 领取 (then 已领取, and in 我的券) → a product →
//               cart → checkout with the coupon preselected (checkout-discount
//               data-fen > 0, the order's discount_fen the same) → paid →
//               points (待入账 > 0) → 签到 → the member code → a clerk's
//               会员识别 scans that code and records a till sale (its points
//               added to the shopper's)
'use strict'

const fs = require('fs')
const os = require('os')
const net = require('net')
const path = require('path')
const { spawn, spawnSync } = require('child_process')

const mp = path.resolve(__dirname, '..')
const repo = path.resolve(mp, '..')
const argv = process.argv.slice(2)
const flag = (name) => argv.includes(`--${name}`)
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`))
  return a ? a.slice(name.length + 3) : def
}

const BIN = path.resolve(process.env.WEMART_BIN || path.join(repo, 'bin', 'wemart'))
const PREVIEW = path.join(mp, 'dist-h5')
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium'
const SHOTS = path.join(__dirname, 'screenshots')
const README_SHOTS = path.join(mp, 'docs', 'screenshots')
const STEP_TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 10000)
const SCALE = Number(opt('scale', '1'))
const JOURNEYS = opt('journeys', '1,2,3,4,5,6,7').split(',').map(Number)
const ADMIN = { username: 'admin', password: `e2e-${Math.random().toString(36).slice(2, 12)}` }

// The screenshots the README shows (docs/screenshots/<name>.png), by page name.
const README_SET = ['home', 'stores', 'store', 'search', 'product', 'cart', 'checkout', 'cashier', 'order-paid', 'orders', 'addresses', 'address-form', 'me', 'staff-login', 'staff-orders', 'staff-verify', 'staff-verified', 'order-tracking', 'staff-ship', 'coupons', 'checkout-coupon', 'points', 'member-code', 'staff-member']

// testids beyond the binding contract that the journeys use; the pages that
// carry them are named so that a missing one reads as what to add where.
const T = {
  // addresses page (pages/addresses/index)
  addressAdd: 'address-add',
  addressPickPlace: 'address-pick-location',
  addressContact: 'address-name',
  addressPhone: 'address-phone',
  addressDetail: 'address-detail',
  addressSave: 'address-save',
}

// ---------------------------------------------------------------- utilities

const t0 = Date.now()
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...a)

class StepError extends Error {}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function until(what, fn, timeout = STEP_TIMEOUT) {
  const end = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new StepError(`${what} (waited ${timeout / 1000} s${last ? `; last: ${last.message}` : ''})`)
    await sleep(150)
  }
}

function check(cond, msg) {
  if (!cond) throw new StepError(msg)
}

// ---------------------------------------------------------------- the server

class Server {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wemart-e2e-'))
    this.logFile = path.join(this.dir, 'server.log')
    this.proc = null
  }

  env(extra = {}) {
    const env = { ...process.env }
    for (const k of Object.keys(env)) if (k.startsWith('WEMART_')) delete env[k]
    return {
      ...env,
      WEMART_DATA_DIR: path.join(this.dir, 'data'),
      WEMART_WECHAT_MODE: 'sandbox',
      WEMART_PREVIEW_DIR: PREVIEW,
      WEMART_ADMIN_USER: ADMIN.username,
      WEMART_ADMIN_PASSWORD: ADMIN.password,
      WEMART_LOG_LEVEL: 'warn',
      ...extra,
    }
  }

  async start() {
    const seed = spawnSync(BIN, ['seed', '--demo'], { env: this.env(), encoding: 'utf8', timeout: 120000 })
    if (seed.status !== 0) throw new Error(`wemart seed --demo failed (${seed.status}): ${seed.stderr || seed.stdout}`)
    log(`seeded: ${seed.stdout.trim()}`)
    const port = await freePort()
    this.base = `http://127.0.0.1:${port}`
    const out = fs.openSync(this.logFile, 'a')
    this.proc = spawn(BIN, ['serve'], { env: this.env({ WEMART_ADDR: `127.0.0.1:${port}` }), stdio: ['ignore', out, out] })
    this.exited = new Promise((r) => this.proc.on('exit', (code, sig) => r({ code, sig })))
    const ready = (async () => {
      for (;;) {
        try {
          const r = await fetch(`${this.base}/readyz`)
          if (r.ok) return
        } catch {
          // not listening yet
        }
        await sleep(100)
      }
    })()
    const res = await Promise.race([ready.then(() => 'ready'), this.exited.then(() => 'exited'), sleep(60000).then(() => 'timeout')])
    if (res !== 'ready') throw new Error(`wemart serve ${res === 'exited' ? 'exited' : 'was not ready in 60 s'}:\n${this.tail()}`)
    log(`wemart serving ${this.base} (data ${this.dir})`)
  }

  tail(n = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-n).join('\n')
    } catch {
      return ''
    }
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM')
      const done = await Promise.race([this.exited, sleep(5000).then(() => null)])
      if (!done) {
        this.proc.kill('SIGKILL')
        await this.exited
      }
    }
    if (!flag('keep')) fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- the API

class API {
  constructor(base) {
    this.base = base
  }

  async call(method, p, { token, body, headers } = {}) {
    const h = { ...(headers || {}) }
    if (token) h.Authorization = `Bearer ${token}`
    if (body !== undefined) h['Content-Type'] = 'application/json'
    const r = await fetch(this.base + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await r.text()
    let data
    try {
      data = text ? JSON.parse(text) : null
    } catch {
      data = text
    }
    if (!r.ok) {
      const m = data && data.error ? `${data.error.code}: ${data.error.message}` : text.slice(0, 200)
      throw new StepError(`${method} ${p} → ${r.status} ${m}`)
    }
    return data
  }

  get(p, token) {
    return this.call('GET', p, { token })
  }

  post(p, body, token, headers) {
    return this.call('POST', p, { body, token, headers })
  }

  async admin() {
    if (!this.adminToken) this.adminToken = (await this.post('/admin/v1/login', ADMIN)).token
    return this.adminToken
  }

  async stock(storeID, skuID) {
    return this.get(`/admin/v1/stores/${storeID}/stock/${skuID}`, await this.admin())
  }

  async staffOrder(id) {
    return this.get(`/admin/v1/orders/${id}`, await this.admin())
  }
}

// ---------------------------------------------------------------- the browser

class Browser {
  constructor(base) {
    this.base = base
    this.n = 0
    this.shots = {}
  }

  async start() {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's Chromium and CJK fonts (apt-get install -y chromium fonts-noto-cjk) or set E2E_CHROMIUM`)
    }
    const { chromium } = require('playwright-core')
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
  }

  async page() {
    const ctx = await this.browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: SCALE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', isMobile: true, hasTouch: true })
    ctx.setDefaultTimeout(STEP_TIMEOUT)
    const page = await ctx.newPage()
    page.on('pageerror', (err) => log(`  page error: ${err.message}`))
    return page
  }

  async stop() {
    if (this.browser) await this.browser.close().catch(() => undefined)
  }

  /** shot saves the screen as e2e/screenshots/<nn>-<name>.png. */
  async shot(page, name) {
    fs.mkdirSync(SHOTS, { recursive: true })
    const file = path.join(SHOTS, `${String(++this.n).padStart(2, '0')}-${name}.png`)
    await page.waitForTimeout(250) // let pictures and fonts settle
    await page.screenshot({ path: file })
    this.shots[name] = file
    return file
  }
}

const sel = (id) => `[data-testid="${id}"]`

/** el waits for a testid to be visible, failing with the testid and the page it was expected on. */
async function el(page, id, where, timeout = STEP_TIMEOUT) {
  // Taro's h5 router keeps the pages below the current one in the DOM,
  // hidden: the same testid can be there twice, and only the shown one counts.
  const loc = page.locator(`${sel(id)}:visible`).first()
  try {
    await loc.waitFor({ state: 'visible', timeout })
  } catch {
    throw new StepError(`missing testid "${id}" on ${where} (not visible within ${timeout / 1000} s; at ${page.url().replace(/^.*#/, '#')})`)
  }
  return loc
}

async function tap(page, id, where) {
  const loc = await el(page, id, where)
  await loc.click()
}

/** fill types into a testid that is an input or wraps one (Taro's h5 Input renders a wrapper). */
async function fill(page, id, where, value) {
  const loc = await el(page, id, where)
  const tag = await loc.evaluate((n) => n.tagName.toLowerCase())
  const input = tag === 'input' || tag === 'textarea' ? loc : loc.locator('input, textarea').first()
  await input.fill(value)
  return input
}

/** go opens a route with a full page load (a hash change alone would leave the app's state as it was). */
async function go(page, base, hash) {
  if (page.url().startsWith(base)) await page.goto('about:blank')
  await page.goto(`${base}/shop/#/${hash}`)
}

/** hashParams reads the query of the page's hash route. */
function hashParams(page) {
  const u = page.url()
  const h = u.includes('#') ? u.slice(u.indexOf('#') + 1) : ''
  return Object.fromEntries(new URLSearchParams(h.includes('?') ? h.slice(h.indexOf('?') + 1) : ''))
}

function hashPath(page) {
  const u = page.url()
  const h = u.includes('#') ? u.slice(u.indexOf('#') + 1) : ''
  return h.split('?')[0].replace(/^\//, '')
}

/** shopperToken reads the shopper token the page keeps (Taro's h5 storage wraps values in {data}). */
async function shopperToken(page) {
  const raw = await page.evaluate(() => window.localStorage.getItem('wemart.token'))
  if (!raw) return ''
  try {
    const v = JSON.parse(raw)
    return typeof v === 'string' ? v : v && typeof v.data === 'string' ? v.data : ''
  } catch {
    return raw
  }
}

async function waitStatus(page, status, where) {
  const loc = await el(page, 'order-status', where)
  try {
    await page.waitForFunction(({ s, want }) => {
      const n = document.querySelector(s)
      return n && n.getAttribute('data-status') === want
    }, { s: sel('order-status'), want: status }, { timeout: STEP_TIMEOUT })
  } catch {
    throw new StepError(`order-status on ${where} says data-status="${await loc.getAttribute('data-status')}", expected "${status}"`)
  }
}

async function orderIdOf(page, where) {
  const id = Number(hashParams(page).id)
  check(hashPath(page) === 'pages/order/index' && id > 0, `expected pages/order/index?id=<order> after ${where}, at ${page.url().replace(/^.*#/, '#')}`)
  return id
}

// ---------------------------------------------------------------- the journeys

/** The demo store the journeys use: open now, pickup, delivering around it. */
async function pickStore(api) {
  const res = await api.get('/api/v1/stores/nearby?lat=31.2304&lng=121.4737&radius_m=50000&open_now=true&pickup=true&limit=50')
  const s = res.items.find((x) => x.delivery && x.delivery_radius_m > 0) || res.items[0]
  check(s, 'no demo store is open now')
  // the page's position: 150 m north of the store
  return { ...s, at: { lat: +(s.lat + 0.00135).toFixed(6), lng: s.lng } }
}

async function milkAt(api, storeID) {
  const res = await api.get(`/api/v1/products?q=${encodeURIComponent('牛奶')}&store_id=${storeID}&in_stock=true&sort=sales&page_size=10`)
  check(res.items.length, `牛奶 finds nothing in stock at store ${storeID}`)
  return res.items[0]
}

async function cartOf(api, token, storeID) {
  return api.get(`/api/v1/cart?store_id=${storeID}`, token)
}

/** payInCashier confirms the sandbox cashier and waits for the order page. */
async function confirmPay(page) {
  await tap(page, 'sandbox-pay-confirm', 'the sandbox cashier (after place-order)')
}

/**
 * answerSubscribe answers the subscribe prompt the mini program shows in
 * the payment callback (WeChat's wx.requestSubscribeMessage; the sandbox
 * dialog in the preview): the flow must go on whatever the shopper says.
 */
async function answerSubscribe(page, answer) {
  await el(page, `sandbox-subscribe-${answer}`, 'the sandbox subscribe dialog (after the cashier)')
  await tap(page, `sandbox-subscribe-${answer}`, 'the sandbox subscribe dialog')
}

async function journeyPickup(ctx) {
  const { api, browser, base, store } = ctx
  const page = await browser.page()
  ctx.shopperPage = page
  const milk = await milkAt(api, store.id)

  // nearby stores, timed from navigation start to the store's card on screen
  await go(page, base, `pages/stores/index?lat=${store.at.lat}&lng=${store.at.lng}`)
  let ttfs
  try {
    const h = await page.waitForFunction((s) => {
      const n = document.querySelector(s)
      return n && n.getBoundingClientRect().height > 0 ? performance.now() : 0
    }, sel(`store-${store.id}`), { timeout: STEP_TIMEOUT, polling: 'raf' })
    ttfs = await h.jsonValue()
  } catch {
    throw new StepError(`missing testid "store-${store.id}" on pages/stores/index (the nearest demo store, ${store.name}, not listed within ${STEP_TIMEOUT / 1000} s)`)
  }
  ctx.timings.push([`time to first store list (h5 preview, navigation start → store-${store.id} visible)`, ttfs])
  await browser.shot(page, 'stores')
  await tap(page, `store-${store.id}`, 'pages/stores/index')

  // the store's shelves, then search
  await until(`tapping store-${store.id} opens pages/store/index?id=${store.id}`, () => hashPath(page) === 'pages/store/index' && hashParams(page).id === String(store.id))
  const search = await fill(page, 'search-input', `pages/store/index?id=${store.id}`, '牛奶')
  await browser.shot(page, 'store')
  await search.press('Enter')
  // the results: on pages/search/index (or in place on the store page)
  const onSearch = await until('', () => hashPath(page) === 'pages/search/index', 3000).catch(() => false)
  if (onSearch) check(hashParams(page).q === '牛奶' && hashParams(page).store_id === String(store.id), `the search page opened with ${page.url().replace(/^.*#/, '#')}, expected store_id=${store.id}&q=牛奶`)
  else log('  (the search results stay on the store page)')
  await el(page, `product-${milk.id}`, `the search results for 牛奶 (pages/search/index?store_id=${store.id}&q=牛奶)`)
  await browser.shot(page, 'search')
  await tap(page, `product-${milk.id}`, 'the search results')
  await until(`tapping product-${milk.id} opens pages/product/index?id=${milk.id}`, () => hashPath(page) === 'pages/product/index' && hashParams(page).id === String(milk.id))

  // add one to the cart: the API's cart has it
  const token0 = await until('a shopper token in the page storage (wemart.token)', () => shopperToken(page))
  const before = await cartOf(api, token0, store.id)
  await tap(page, 'add-to-cart', `pages/product/index?id=${milk.id}`)
  const cart = await until('add-to-cart puts one more unit of the product in the API cart', async () => {
    const c = await cartOf(api, await shopperToken(page), store.id)
    const line = c.items.find((l) => l.product_id === milk.id)
    const was = before.items.find((l) => l.product_id === milk.id)
    return line && line.quantity === (was ? was.quantity : 0) + 1 ? c : null
  })
  await browser.shot(page, 'product')
  const line = cart.items.find((l) => l.product_id === milk.id)
  const stock0 = await api.stock(store.id, line.sku_id)

  // cart → checkout (pickup) → cashier → paid
  await go(page, base, `pages/cart/index?store_id=${store.id}`)
  await el(page, 'cart-checkout', `pages/cart/index?store_id=${store.id}`)
  await browser.shot(page, 'cart')
  await tap(page, 'cart-checkout', 'pages/cart/index')
  await tap(page, 'fulfilment-pickup', `pages/checkout/index?store_id=${store.id}`)
  await browser.shot(page, 'checkout')
  await tap(page, 'place-order', 'pages/checkout/index')
  await el(page, 'sandbox-pay-confirm', 'the sandbox cashier (after place-order)')
  await browser.shot(page, 'cashier')
  await confirmPay(page)
  await answerSubscribe(page, 'reject')
  await until('the order page opens after payment', () => hashPath(page) === 'pages/order/index')
  const orderID = await orderIdOf(page, 'paying')
  await waitStatus(page, 'paid', `pages/order/index?id=${orderID}`)

  // the API agrees: paid, on_hand down by the quantity, the code on screen is the order's
  const token = await shopperToken(page)
  const order = await api.get(`/api/v1/orders/${orderID}`, token)
  check(order.status === 'paid', `GET /api/v1/orders/${orderID} says ${order.status}, not paid`)
  check(order.fulfilment === 'pickup', `order ${orderID} is ${order.fulfilment}, not pickup`)
  const item = order.items.find((i) => i.sku_id === line.sku_id)
  check(item, `order ${orderID} has no line for SKU ${line.sku_id}`)
  const stock1 = await api.stock(store.id, line.sku_id)
  check(stock1.on_hand === stock0.on_hand - item.quantity, `stock of SKU ${line.sku_id} at store ${store.id}: on_hand ${stock0.on_hand} → ${stock1.on_hand}, expected −${item.quantity}`)
  check(stock1.reserved === stock0.reserved, `stock of SKU ${line.sku_id}: reserved ${stock0.reserved} → ${stock1.reserved} after payment, expected unchanged`)
  const codeEl = await el(page, 'pickup-code', `pages/order/index?id=${orderID} (a paid pickup order)`)
  const shown = ((await codeEl.textContent()) || '').replace(/\s/g, '')
  check(/^\d+$/.test(shown), `pickup-code shows "${shown}", not digits`)
  check(shown === order.pickup_code, `pickup-code shows ${shown}, the API's pickup_code is ${order.pickup_code}`)
  await browser.shot(page, 'order-paid')
  ctx.pickup = { orderID, code: shown, orderNo: order.order_no }
  log(`  order ${order.order_no} paid, pickup code ${shown}; SKU ${line.sku_id} on_hand ${stock0.on_hand} → ${stock1.on_hand}`)
}

/** deliveryProduct is a product in stock at or above the store's delivery minimum (one unit can be delivered). */
async function deliveryProduct(api, store) {
  const res = await api.get(`/api/v1/products?store_id=${store.id}&in_stock=true&sort=price_desc&page_size=20`)
  const prod = res.items.find((p) => p.price_fen >= store.delivery_min_fen) || res.items[0]
  check(prod, `nothing in stock at store ${store.id}`)
  return prod
}

/**
 * payDelivery starts on the product's page: add to cart → cart → checkout
 * (delivery, the address checkout picks) → place-order → the sandbox
 * cashier confirmed. shot names a screenshot of the checkout.
 */
async function payDelivery(ctx, page, prod, shot) {
  const { api, browser, base, store } = ctx
  await tap(page, 'add-to-cart', `pages/product/index?id=${prod.id}`)
  await until('add-to-cart puts the product in the API cart', async () => (await cartOf(api, await shopperToken(page), store.id)).items.some((l) => l.product_id === prod.id))
  await go(page, base, `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'cart-checkout', `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'fulfilment-delivery', `pages/checkout/index?store_id=${store.id}`)
  await page.waitForTimeout(300)
  if (shot) await browser.shot(page, shot)
  await tap(page, 'place-order', 'pages/checkout/index (delivery)')
  await confirmPay(page)
}

async function journeyDelivery(ctx) {
  const { api, browser, base, store } = ctx
  const page = ctx.shopperPage || (await browser.page())
  ctx.shopperPage = page
  // a product at or above the delivery minimum, so one unit can be delivered
  const prod = await deliveryProduct(api, store)

  // a new address, pinned on the (sandbox) map right next to the store
  await go(page, base, `pages/addresses/index?lat=${store.at.lat}&lng=${store.at.lng}`)
  const token0 = await until('a shopper token in the page storage (wemart.token)', () => shopperToken(page))
  const before = (await api.get('/api/v1/addresses', token0)).items.length
  await tap(page, T.addressAdd, 'pages/addresses/index')
  await tap(page, T.addressPickPlace, 'the address form (pages/addresses/index)')
  await fill(page, 'sandbox-place-name', 'the sandbox place dialog', 'wemart 测试小区')
  await fill(page, 'sandbox-place-address', 'the sandbox place dialog', `${store.address} 旁`)
  await fill(page, 'sandbox-place-lat', 'the sandbox place dialog', String(store.at.lat))
  await fill(page, 'sandbox-place-lng', 'the sandbox place dialog', String(store.at.lng))
  await tap(page, 'sandbox-place-confirm', 'the sandbox place dialog')
  await fill(page, T.addressContact, 'the address form', '测试顾客')
  await fill(page, T.addressPhone, 'the address form', '13800138000')
  await fill(page, T.addressDetail, 'the address form', '3 号楼 1201')
  await browser.shot(page, 'address-form')
  await tap(page, T.addressSave, 'the address form')
  const addr = await until('the new address is in GET /api/v1/addresses', async () => {
    const list = (await api.get('/api/v1/addresses', await shopperToken(page))).items
    return list.length === before + 1 ? list.find((a) => a.detail.includes('1201')) : null
  })
  check(addr.lat !== null && Math.abs(addr.lat - store.at.lat) < 1e-5, `the address was saved at lat ${addr.lat}, not the pinned ${store.at.lat}`)
  await browser.shot(page, 'addresses')

  // product → cart → checkout (delivery) → paid
  await go(page, base, `pages/product/index?id=${prod.id}&store_id=${store.id}`)
  await payDelivery(ctx, page, prod, 'checkout-delivery')
  await answerSubscribe(page, 'reject')
  await until('the order page opens after payment', () => hashPath(page) === 'pages/order/index')
  const orderID = await orderIdOf(page, 'paying')
  await waitStatus(page, 'paid', `pages/order/index?id=${orderID}`)
  const order = await api.get(`/api/v1/orders/${orderID}`, await shopperToken(page))
  check(order.status === 'paid' && order.fulfilment === 'delivery', `GET /api/v1/orders/${orderID}: ${order.status} ${order.fulfilment}, expected paid delivery`)
  check(order.address && order.address.detail && order.address.detail.includes('1201'), `order ${orderID} is not going to the new address: ${JSON.stringify(order.address)}`)
  await browser.shot(page, 'order-delivery')
  log(`  delivery order ${order.order_no} paid, ${order.delivery_fee_fen} fen delivery fee`)
}

async function journeyCancel(ctx) {
  const { api, browser, base, store } = ctx
  const page = ctx.shopperPage || (await browser.page())
  ctx.shopperPage = page
  const milk = await milkAt(api, store.id)
  await go(page, base, `pages/product/index?id=${milk.id}&store_id=${store.id}`)
  await tap(page, 'add-to-cart', `pages/product/index?id=${milk.id}`)
  const cart = await until('add-to-cart puts the product in the API cart', async () => {
    const c = await cartOf(api, await shopperToken(page), store.id)
    return c.items.some((l) => l.product_id === milk.id) ? c : null
  })
  const line = cart.items.find((l) => l.product_id === milk.id)
  const stock0 = await api.stock(store.id, line.sku_id)

  await go(page, base, `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'cart-checkout', `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'fulfilment-pickup', `pages/checkout/index?store_id=${store.id}`)
  await tap(page, 'place-order', 'pages/checkout/index')
  await tap(page, 'sandbox-pay-cancel', 'the sandbox cashier (after place-order)')
  await until('the order page opens after the cashier is closed', () => hashPath(page) === 'pages/order/index')
  const orderID = await orderIdOf(page, 'closing the cashier')
  await waitStatus(page, 'pending_payment', `pages/order/index?id=${orderID}`)
  const held = await api.stock(store.id, line.sku_id)
  const order0 = await api.get(`/api/v1/orders/${orderID}`, await shopperToken(page))
  const qty = order0.items.find((i) => i.sku_id === line.sku_id).quantity
  check(held.available === stock0.available - qty, `an unpaid order holds ${qty}: available ${stock0.available} → ${held.available}`)
  await browser.shot(page, 'order-unpaid')

  await tap(page, 'order-cancel', `pages/order/index?id=${orderID} (unpaid)`)
  // the page may ask first: Taro.showModal's confirm (Taro spells it taro-model__) or a dialog of its own
  const ask = page.locator(`.taro-model__confirm, ${sel('order-cancel-confirm')}`).first()
  await until('the order is cancelled (or a confirmation is asked)', async () => {
    if (await ask.isVisible()) {
      await ask.click()
      return true
    }
    return (await page.locator(sel('order-status')).first().getAttribute('data-status')) === 'cancelled'
  })
  await waitStatus(page, 'cancelled', `pages/order/index?id=${orderID}`)
  const order = await api.get(`/api/v1/orders/${orderID}`, await shopperToken(page))
  check(order.status === 'cancelled', `GET /api/v1/orders/${orderID} says ${order.status}, not cancelled`)
  const stock1 = await api.stock(store.id, line.sku_id)
  check(stock1.available === stock0.available && stock1.reserved === stock0.reserved, `cancelling did not release the reservation: available ${stock0.available} → ${held.available} → ${stock1.available}`)
  await browser.shot(page, 'order-cancelled')
  log(`  order ${order.order_no} cancelled, ${qty} unit(s) of SKU ${line.sku_id} available again`)
}

/** placePickupOrder places and pays a pickup order through the API (when journey 1 did not). */
async function placePickupOrder(api, store) {
  const { token } = await api.post('/api/v1/auth/login', { code: `e2e-api-${Date.now()}` })
  const milk = await milkAt(api, store.id)
  const product = await api.get(`/api/v1/products/${milk.id}?store_id=${store.id}`)
  const sku = product.skus.find((s) => s.stock > 0)
  const placed = await api.post('/api/v1/orders', { store_id: store.id, fulfilment: 'pickup', items: [{ sku_id: sku.id, quantity: 1 }] }, token, { 'Idempotency-Key': `e2e-${Date.now()}` })
  await api.post('/sandbox/pay', { prepay_id: placed.payment.package.replace(/^prepay_id=/, '') })
  const order = await until('the API-placed order is paid', async () => {
    const o = await api.get(`/api/v1/orders/${placed.order.id}`, token)
    return o.status === 'paid' ? o : null
  })
  return { orderID: order.id, code: order.pickup_code, orderNo: order.order_no }
}

/**
 * staffLogin makes a clerk of the store through the admin API and signs
 * them in on staff/login/index (a wrong password first when shot is set:
 * the refusal is checked and the login page shot); it ends on staff/orders/index.
 */
async function staffLogin(ctx, username, shot) {
  const { api, browser, base, store } = ctx
  const clerk = { username, password: 'clerk-pass-1' }
  await api.post('/admin/v1/staff', { ...clerk, role: 'clerk', display_name: '收银台小王', store_id: store.id }, await api.admin())
  const page = await browser.page()
  await go(page, base, 'staff/login/index')
  await fill(page, 'staff-username', 'staff/login/index', clerk.username)
  if (shot) {
    await fill(page, 'staff-password', 'staff/login/index', 'wrong-password')
    await tap(page, 'staff-login', 'staff/login/index')
    const refused = await el(page, 'staff-login-error', 'staff/login/index after a wrong password')
    check(((await refused.textContent()) || '').trim().length > 0, 'a wrong password shows no message')
  }
  await fill(page, 'staff-password', 'staff/login/index', clerk.password)
  if (shot) await browser.shot(page, 'staff-login')
  await tap(page, 'staff-login', 'staff/login/index')
  await until('staff login opens staff/orders/index', () => hashPath(page) === 'staff/orders/index')
  return { page, clerk }
}

async function journeyCounter(ctx) {
  const { api, browser, store } = ctx
  let pickup = ctx.pickup
  if (!pickup) {
    pickup = await placePickupOrder(api, store)
    log(`  (journey 1 gave no order: placed ${pickup.orderNo} through the API, pickup code ${pickup.code})`)
  }
  // a clerk of the store signs in (a wrong password first)
  const { page, clerk } = await staffLogin(ctx, `clerk${store.id}e2e`, true)

  // the paid order is waiting to be packed
  await el(page, `order-ready-${pickup.orderID}`, `staff/orders/index (paid pickup order ${pickup.orderNo})`)
  const storeName = ((await (await el(page, 'staff-store-name', 'staff/orders/index')).textContent()) || '').trim()
  check(storeName === store.name, `staff/orders/index shows store "${storeName}", the clerk's store is "${store.name}"`)
  await browser.shot(page, 'staff-orders')
  await tap(page, `order-ready-${pickup.orderID}`, 'staff/orders/index')
  await until(`order ${pickup.orderID} is ready_for_pickup in the API`, async () => (await api.staffOrder(pickup.orderID)).status === 'ready_for_pickup')
  await until('the readied order leaves the 待备货 tab', async () => !(await page.locator(sel(`order-ready-${pickup.orderID}`)).count()))

  // hand it over with the shopper's code
  await tap(page, 'open-verify', 'staff/orders/index')
  await el(page, 'verify-code-input', 'staff/verify/index')
  await el(page, `verify-order-${pickup.orderID}`, `staff/verify/index (order ${pickup.orderNo} awaiting pickup)`)
  // no order picked: the code alone finds the order (POST /admin/v1/stores/{id}/pickups)
  check(!(await page.locator(sel('verify-chosen')).count()), 'staff/verify/index preselected an order')
  // a wrong code through 扫码 (the preview's scan dialog stands in for the camera): refused
  const wrong = pickup.code === '000000' ? '111111' : '000000'
  await tap(page, 'verify-scan', 'staff/verify/index')
  await fill(page, 'sandbox-scan-text', 'the sandbox scan dialog', wrong)
  await tap(page, 'sandbox-scan-confirm', 'the sandbox scan dialog')
  await el(page, 'verify-error', 'staff/verify/index after a wrong code')
  check((await api.staffOrder(pickup.orderID)).status === 'ready_for_pickup', 'a wrong code changed the order')
  await fill(page, 'verify-code-input', 'staff/verify/index', pickup.code)
  await browser.shot(page, 'staff-verify')
  await tap(page, 'verify-submit', 'staff/verify/index')
  const result = await el(page, 'verify-result', 'staff/verify/index after the right code')
  check((await result.getAttribute('data-status')) === 'completed', `verify-result says ${await result.getAttribute('data-status')}`)
  const done = await api.staffOrder(pickup.orderID)
  check(done.status === 'completed', `GET /admin/v1/orders/${pickup.orderID} says ${done.status}, not completed`)
  await browser.shot(page, 'staff-verified')
  log(`  order ${pickup.orderNo} readied and handed over by ${clerk.username}: completed`)
}

/**
 * journeyTabs walks the tab pages and the QR entry: home (the remembered
 * store and its products), an in-store product QR opening that product, the
 * orders list (the orders the journeys placed), and me (a nickname saved
 * through PATCH /api/v1/me, as the API then says).
 */
async function journeyTabs(ctx) {
  const { api, browser, base, store } = ctx
  const page = ctx.shopperPage || (await browser.page())
  ctx.shopperPage = page
  const milk = await milkAt(api, store.id)

  await go(page, base, `pages/index/index?lat=${store.at.lat}&lng=${store.at.lng}`)
  const home = await el(page, 'home-store', 'pages/index/index')
  await el(page, `product-${milk.id}`, 'pages/index/index (the store\'s products)')
  check((await home.textContent()).includes(store.name), `home shows "${await home.textContent()}", not the store ${store.name}`)
  await browser.shot(page, 'home')

  // search as shoppers type: pinyin finds milk; nonsense says so and
  // offers the store's best sellers instead
  const byPinyin = await api.get(`/api/v1/products?q=niunai&store_id=${store.id}&page_size=20`)
  check(byPinyin.match === 'all' && byPinyin.items.length && byPinyin.items[0].title.includes('奶'),
    `niunai at store ${store.id}: match ${byPinyin.match}, first ${byPinyin.items[0] && byPinyin.items[0].title}`)
  await go(page, base, `pages/search/index?store_id=${store.id}&q=niunai`)
  await el(page, `product-${byPinyin.items[0].id}`, `pages/search/index?q=niunai (the first of ${byPinyin.items.length})`)
  const nothing = await api.get(`/api/v1/products?q=zzqxj&store_id=${store.id}&page_size=20`)
  check(nothing.match === 'none' && nothing.total === 0 && nothing.items.length, `zzqxj: match ${nothing.match}, total ${nothing.total}, ${nothing.items.length} offered`)
  await go(page, base, `pages/search/index?store_id=${store.id}&q=zzqxj`)
  const notice = await el(page, 'search-notice', 'pages/search/index?q=zzqxj')
  check(await notice.getAttribute('data-match') === 'none', `the notice says match ${await notice.getAttribute('data-match')}`)
  await el(page, 'search-recommend', 'pages/search/index?q=zzqxj (the best sellers heading)')
  await el(page, `product-${nothing.items[0].id}`, 'pages/search/index?q=zzqxj (a best seller offered)')
  log(`  niunai: ${byPinyin.total} found, first ${byPinyin.items[0].title}; zzqxj: none, ${nothing.items.length} best sellers offered`)

  // an in-store QR code for the product: scene p=<product>&s=<store>
  const scene = encodeURIComponent(`p=${milk.id}&s=${store.id}`)
  await go(page, base, `pages/index/index?scene=${scene}`)
  await until(`the QR scene ${decodeURIComponent(scene)} opens pages/product/index?id=${milk.id}`,
    () => hashPath(page) === 'pages/product/index' && hashParams(page).id === String(milk.id) && hashParams(page).store_id === String(store.id))
  await el(page, 'add-to-cart', 'pages/product/index (opened by a QR scene)')

  const token = await until('a shopper token in the page storage (wemart.token)', () => shopperToken(page))
  const mine = await api.get('/api/v1/orders?page_size=50', token)
  await go(page, base, 'pages/orders/index')
  if (mine.items.length) await el(page, `order-${mine.items[0].id}`, 'pages/orders/index (the newest order)')
  else await el(page, 'orders-list', 'pages/orders/index')
  await browser.shot(page, 'orders')

  await go(page, base, 'pages/me/index')
  await tap(page, 'me-nickname-edit', 'pages/me/index')
  const nick = `小王${Date.now() % 1000}`
  await fill(page, 'me-nickname-input', 'pages/me/index', nick)
  await tap(page, 'me-nickname-save', 'pages/me/index')
  await until(`GET /api/v1/me says the nickname is ${nick}`, async () => (await api.get('/api/v1/me', token)).nickname === nick)
  const shown = await el(page, 'me-nickname', 'pages/me/index after saving')
  check((await shown.textContent()).includes(nick), `pages/me/index shows "${await shown.textContent()}" after saving ${nick}`)
  await browser.shot(page, 'me')
}

/** advanceParcel moves a rider or parcel one sandbox step at a time until it reaches want. */
async function advanceParcel(api, trackingNo, want) {
  const terminal = ['delivered', 'signed', 'cancelled', 'failed', 'returned', 'rejected']
  let status = ''
  for (let i = 0; i < 10; i++) {
    status = (await api.post('/sandbox/logistics/advance', { tracking_no: trackingNo })).status
    if (status === want) return status
    check(!terminal.includes(status), `POST /sandbox/logistics/advance ${trackingNo}: reached ${status} before ${want}`)
  }
  throw new StepError(`POST /sandbox/logistics/advance ${trackingNo}: still ${status} after 10 steps, expected ${want}`)
}

/** attr reads an attribute of the visible element with a testid ("" when there is none). */
async function attr(page, id, name) {
  const loc = page.locator(`${sel(id)}:visible`).first()
  return (await loc.count()) ? (await loc.getAttribute(name)) || '' : ''
}

/**
 * journeyTracking: a delivery order from the shopper's page through the
 * subscribe prompt, the counter's 派骑手, the sandbox rider's steps and the
 * order page's tracking to 确认收货.
 */
async function journeyTracking(ctx) {
  const { api, browser, base, store } = ctx
  const page = ctx.shopperPage || (await browser.page())
  ctx.shopperPage = page
  // a product at or above the delivery minimum, and an address by the store (journey 2's, or one made now)
  const prod = await deliveryProduct(api, store)
  await go(page, base, `pages/product/index?id=${prod.id}&store_id=${store.id}`)
  const token = await until('a shopper token in the page storage (wemart.token)', () => shopperToken(page))
  const templates = (await api.get('/api/v1/subscriptions/templates', token)).items || []
  check(templates.some((t) => ['shipped', 'delivered', 'refunded'].includes(t.event)), `GET /api/v1/subscriptions/templates has no template for a delivery order: ${JSON.stringify(templates)}`)
  const addresses = (await api.get('/api/v1/addresses', token)).items
  if (!addresses.some((a) => a.lat !== null && Math.abs(a.lat - store.at.lat) < 1e-4)) {
    await api.call('POST', '/api/v1/addresses', { token, body: { contact: '测试顾客', phone: '13800138000', province: '上海市', city: '上海市', district: '黄浦区', detail: `${store.address} 旁 3 号楼 1201`, lat: store.at.lat, lng: store.at.lng, is_default: true } })
  }
  await payDelivery(ctx, page, prod)

  // the subscribe prompt, asked in the payment callback: accept; the page reports it
  const reported = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/subscriptions'), { timeout: STEP_TIMEOUT })
  await el(page, 'sandbox-subscribe-accept', 'the sandbox subscribe dialog (after the cashier)')
  await browser.shot(page, 'subscribe')
  await tap(page, 'sandbox-subscribe-accept', 'the sandbox subscribe dialog')
  const report = await reported.catch(() => null)
  check(report && report.ok(), `POST /api/v1/subscriptions after accepting: ${report ? report.status() : 'not sent'}`)
  const grants = ((await report.json()) || {}).grants || {}
  check(Object.values(grants).some((n) => n > 0), `POST /api/v1/subscriptions granted nothing: ${JSON.stringify(grants)}`)
  await until('the order page opens after payment', () => hashPath(page) === 'pages/order/index')
  const orderID = await orderIdOf(page, 'paying')
  await waitStatus(page, 'paid', `pages/order/index?id=${orderID}`)
  const paid = await api.get(`/api/v1/orders/${orderID}`, token)
  check(paid.fulfilment === 'delivery', `order ${orderID} is ${paid.fulfilment}, not delivery`)

  // the counter: the 发快递 form (shot, not sent), then 派骑手
  const { page: staff } = await staffLogin(ctx, `rider${store.id}e2e`, false)
  await tap(staff, `staff-ship-${orderID}`, `staff/orders/index (paid delivery order ${paid.order_no})`)
  await until(`staff-ship-${orderID} opens staff/ship/index?id=${orderID}`, () => hashPath(staff) === 'staff/ship/index' && hashParams(staff).id === String(orderID))
  const carriers = await el(staff, 'ship-carrier', 'staff/ship/index')
  await carriers.locator('[data-testid^="ship-carrier-"]').first().click()
  await fill(staff, 'ship-tracking-no', 'staff/ship/index', 'SF1234567890')
  await el(staff, 'ship-submit', 'staff/ship/index')
  await browser.shot(staff, 'staff-ship')
  await go(staff, base, 'staff/orders/index')
  await tap(staff, `staff-dispatch-${orderID}`, `staff/orders/index (paid delivery order ${paid.order_no})`)
  const shown = await el(staff, `staff-shipment-${orderID}`, 'staff/orders/index after 派骑手')
  check(((await shown.textContent()) || '').includes('¥'), `the dispatched order shows no rider fee: "${await shown.textContent()}"`)
  await browser.shot(staff, 'staff-dispatched')
  const track0 = await api.get(`/admin/v1/orders/${orderID}/tracking`, await api.admin())
  const rider = (track0.shipments || []).find((x) => x.kind === 'rider')
  check(rider && rider.tracking_no, `GET /admin/v1/orders/${orderID}/tracking has no rider after 派骑手: ${JSON.stringify(track0)}`)

  // the shopper's order page: the rider on the way, then delivered, seen by its 10 s refresh
  await go(page, base, `pages/order/index?id=${orderID}`)
  await el(page, 'order-tracking', `pages/order/index?id=${orderID} (a dispatched delivery)`)
  await advanceParcel(api, rider.tracking_no, 'picked_up')
  await until(`shipment-status-${rider.id} says picked_up (the page's 10 s refresh)`, async () => (await attr(page, `shipment-status-${rider.id}`, 'data-status')) === 'picked_up', 25000)
  await until('order-status says shipped', async () => (await attr(page, 'order-status', 'data-status')) === 'shipped', 25000)
  const events = await page.locator(`${sel('tracking-event')}:visible`).count()
  check(events >= 2, `order-tracking shows ${events} tracking-event(s) after picked_up, expected the rider's steps`)
  check((await attr(page, 'tracking-event', 'data-status')) === 'picked_up', `the newest tracking-event is ${await attr(page, 'tracking-event', 'data-status')}, not picked_up`)
  await el(page, 'rider-map', `pages/order/index?id=${orderID} (a rider on the way)`)
  await browser.shot(page, 'order-tracking')
  await advanceParcel(api, rider.tracking_no, 'delivered')
  await until('order-status says delivered (the page\'s 10 s refresh)', async () => (await attr(page, 'order-status', 'data-status')) === 'delivered', 25000)

  // 确认收货: the page asks (Taro.showModal), then the order is completed
  await tap(page, 'order-receive', `pages/order/index?id=${orderID} (delivered)`)
  const ask = page.locator('.taro-model__confirm').first()
  await until('确认收货 asks first (Taro.showModal)', () => ask.isVisible())
  await ask.click()
  await waitStatus(page, 'completed', `pages/order/index?id=${orderID} after 确认收货`)
  const done = await api.get(`/api/v1/orders/${orderID}`, token)
  check(done.status === 'completed', `GET /api/v1/orders/${orderID} says ${done.status} after 确认收货, not completed`)
  log(`  delivery order ${paid.order_no}: rider ${rider.tracking_no} picked up and delivered, receipt confirmed: completed`)
}

/** attrUntil waits until a testid's attribute passes ok, failing with what it last was. */
async function attrUntil(page, id, name, ok, what, timeout = STEP_TIMEOUT) {
  let last = ''
  try {
    return await until(what, async () => {
      last = await attr(page, id, name)
      return ok(last) ? last : null
    }, timeout)
  } catch {
    throw new StepError(`${what}: ${id} has ${name}="${last}" (waited ${timeout / 1000} s; at ${page.url().replace(/^.*#/, '#')})`)
  }
}

/** couponProduct is a product in stock at the store worth more than the coupon takes off. */
async function couponProduct(api, store, discountFen) {
  const res = await api.get(`/api/v1/products?store_id=${store.id}&in_stock=true&sort=price_desc&page_size=20`)
  const prod = res.items.find((p) => p.price_fen > discountFen * 2) || res.items[0]
  check(prod, `nothing in stock at store ${store.id}`)
  return prod
}

/**
 * journeyMembers: a coupon made by staff, claimed in the coupon centre and
 * spent at checkout (preselected by the quote), the points that payment
 * earns (pending), a check-in, the member code, and the counter identifying
 * the shopper by that code and recording a till sale.
 */
async function journeyMembers(ctx) {
  const { api, browser, base, store } = ctx
  const page = ctx.shopperPage || (await browser.page())
  ctx.shopperPage = page

  // staff make a coupon: ¥5 off from ¥1, one per shopper, valid 7 days
  const discount = 500
  const made = await api.post('/admin/v1/coupon-templates', {
    name: `E2E 立减券 ${Date.now() % 100000}`, discount_fen: discount, min_spend_fen: 100, total: 50, per_shopper: 1, valid_days: 7,
  }, await api.admin())
  check(made && made.id > 0, `POST /admin/v1/coupon-templates gave no id: ${JSON.stringify(made)}`)
  const prod = await couponProduct(api, store, discount)

  // the coupon centre: 领取, then 已领取 (one per shopper), and the coupon in 我的券
  await go(page, base, 'member/coupons/index')
  await el(page, `coupon-template-${made.id}`, 'member/coupons/index (the template staff just made)')
  await browser.shot(page, 'coupons')
  const token = await until('a shopper token in the page storage (wemart.token)', () => shopperToken(page))
  await tap(page, `coupon-claim-${made.id}`, 'member/coupons/index')
  const claimed = await until(`GET /api/v1/coupons?status=unused has a coupon of template ${made.id} after 领取`, async () =>
    ((await api.get('/api/v1/coupons?status=unused', token)).items || []).find((c) => c.template_id === made.id))
  await attrUntil(page, `coupon-claim-${made.id}`, 'data-state', (v) => v === 'claimed', `coupon-claim-${made.id} says 已领取 after claiming the one a shopper may have`)
  await tap(page, 'coupons-tab-mine', 'member/coupons/index')
  await el(page, `coupon-${claimed.id}`, 'member/coupons/index 我的券 (the claimed coupon)')
  log(`  template ${made.id} claimed: coupon ${claimed.id}`)

  // product → cart → checkout: the quote preselects the coupon
  await go(page, base, `pages/product/index?id=${prod.id}&store_id=${store.id}`)
  await tap(page, 'add-to-cart', `pages/product/index?id=${prod.id}`)
  await until('add-to-cart puts the product in the API cart', async () => (await cartOf(api, token, store.id)).items.some((l) => l.product_id === prod.id))
  await go(page, base, `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'cart-checkout', `pages/cart/index?store_id=${store.id}`)
  await tap(page, 'fulfilment-pickup', `pages/checkout/index?store_id=${store.id}`)
  await attrUntil(page, 'checkout-coupon', 'data-coupon-id', (v) => v === String(claimed.id), `the checkout preselects coupon ${claimed.id} (POST /api/v1/orders/quote's coupon_id)`)
  // the picker lists it; choosing it again keeps it
  await tap(page, 'checkout-coupon', 'pages/checkout/index')
  await el(page, `checkout-coupon-option-${claimed.id}`, 'the checkout coupon picker')
  await el(page, 'checkout-coupon-none', 'the checkout coupon picker')
  await tap(page, `checkout-coupon-option-${claimed.id}`, 'the checkout coupon picker')
  await attrUntil(page, 'checkout-coupon', 'data-coupon-id', (v) => v === String(claimed.id), `coupon ${claimed.id} still chosen after picking it`)
  const fen = Number(await attrUntil(page, 'checkout-discount', 'data-fen', (v) => Number(v) > 0, 'checkout-discount shows the coupon\'s discount'))
  await browser.shot(page, 'checkout-coupon')
  await tap(page, 'place-order', 'pages/checkout/index (with a coupon)')
  await confirmPay(page)
  await answerSubscribe(page, 'reject')
  await until('the order page opens after payment', () => hashPath(page) === 'pages/order/index')
  const orderID = await orderIdOf(page, 'paying with a coupon')
  await waitStatus(page, 'paid', `pages/order/index?id=${orderID}`)
  const order = await api.get(`/api/v1/orders/${orderID}`, token)
  check(order.discount_fen === fen, `order ${orderID}: discount_fen ${order.discount_fen}, the checkout showed ${fen}`)
  const shownOff = await attr(page, 'order-discount', 'data-fen')
  check(Number(shownOff) === fen, `pages/order/index?id=${orderID}: order-discount says ${shownOff || 'nothing'}, the order's discount_fen is ${fen}`)
  if (order.coupon_id !== undefined) check(order.coupon_id === claimed.id, `order ${orderID}: coupon_id ${order.coupon_id}, expected ${claimed.id}`)
  await until(`coupon ${claimed.id} is used once its order is paid`, async () => ((await api.get('/api/v1/coupons?status=used', token)).items || []).some((c) => c.id === claimed.id))
  log(`  order ${order.order_no} paid with coupon ${claimed.id}: discount ${fen} fen, payable ${order.payable_fen} fen`)

  // points: the payment's points are pending; 签到 adds to what is available
  await go(page, base, 'member/points/index')
  const pending = Number(await attrUntil(page, 'points-pending', 'data-points', (v) => Number(v) > 0, 'points-pending shows the paid order\'s points'))
  const points0 = await api.get('/api/v1/me/points', token)
  check(points0.pending === pending, `points-pending shows ${pending}, GET /api/v1/me/points says pending ${points0.pending}`)
  await tap(page, 'checkin', 'member/points/index')
  await attrUntil(page, 'checkin', 'data-done', (v) => v === 'true', '签到 turns into 今日已签到')
  const points1 = await until('GET /api/v1/me/points counts the check-in', async () => {
    const p = await api.get('/api/v1/me/points', token)
    return p.available > points0.available ? p : null
  })
  await attrUntil(page, 'points-available', 'data-points', (v) => Number(v) === points1.available, `points-available shows ${points1.available} after 签到`)
  const member = await api.get('/api/v1/me/member', token)
  check(member.checked_in_today === true, 'GET /api/v1/me/member says not checked in today after 签到')
  await page.waitForTimeout(1600) // the 签到成功 toast gone from the shot
  await browser.shot(page, 'points')
  log(`  points: ${pending} pending; 签到 ${points0.available} → ${points1.available} available`)

  // the member code
  await go(page, base, 'member/code/index')
  const code = await attrUntil(page, 'member-code', 'data-code', (v) => v.length > 0, 'member/code/index shows a member code')
  const level = await el(page, 'member-level', 'member/code/index')
  check(((await level.textContent()) || '').trim() === member.level.name, `member-level says "${await level.textContent()}", GET /api/v1/me/member says ${member.level.name}`)
  await browser.shot(page, 'member-code')

  // the counter: a clerk scans that code (the preview's scan dialog) and records a till sale
  const me = await api.get('/api/v1/me', token)
  const { page: staff } = await staffLogin(ctx, `member${store.id}e2e`, false)
  await tap(staff, 'open-member', 'staff/orders/index')
  await until('open-member opens staff/member/index', () => hashPath(staff) === 'staff/member/index')
  await tap(staff, 'staff-member-scan', 'staff/member/index')
  await fill(staff, 'sandbox-scan-text', 'the sandbox scan dialog', code)
  await tap(staff, 'sandbox-scan-confirm', 'the sandbox scan dialog')
  const name = ((await (await el(staff, 'staff-member-name', 'staff/member/index after scanning the member code')).textContent()) || '').trim()
  check(me.nickname ? name === me.nickname : name.includes(String(me.id)), `staff-member-name says "${name}", the shopper is ${me.nickname || `#${me.id}`}`)
  await fill(staff, 'staff-sale-amount', 'staff/member/index', '58.50')
  await fill(staff, 'staff-sale-receipt', 'staff/member/index', `E2E-${Date.now()}`)
  await browser.shot(staff, 'staff-member')
  const before = (await api.get('/api/v1/me/points', token)).available
  await tap(staff, 'staff-sale-submit', 'staff/member/index')
  const earned = Number(await attrUntil(staff, 'staff-sale-points', 'data-points', (v) => v !== '', 'staff-sale-points shows the points of the till sale'))
  check(earned > 0, `a ¥58.50 till sale earned ${earned} points`)
  const after = (await api.get('/api/v1/me/points', token)).available
  check(after === before + earned, `the shopper's available points went ${before} → ${after} after a sale of ${earned} points`)
  await browser.shot(staff, 'staff-sale')
  log(`  member ${name} identified at the counter; a ¥58.50 till sale earned ${earned} points`)
}

const journeys = [
  [1, 'pickup purchase', journeyPickup],
  [2, 'delivery with a new address', journeyDelivery],
  [3, 'cancel an unpaid order', journeyCancel],
  [4, 'the store counter', journeyCounter],
  [5, 'home, a QR code, orders and me', journeyTabs],
  [6, 'delivery tracking and receipt', journeyTracking],
  [7, 'coupons, points and the member code', journeyMembers],
]

// ---------------------------------------------------------------- main

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run make build in ${repo}`)
  if (!fs.existsSync(path.join(PREVIEW, 'index.html'))) throw new Error(`${PREVIEW}/index.html is missing: run npm run build:h5 in ${mp}`)
  fs.rmSync(SHOTS, { recursive: true, force: true })
  const server = new Server()
  const browser = new Browser()
  const stop = async () => {
    await browser.stop()
    await server.stop()
  }
  const onSignal = (sig) => {
    stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const results = []
  const ctx = { timings: [] }
  try {
    await server.start()
    await browser.start()
    const api = new API(server.base)
    Object.assign(ctx, { api, browser, base: server.base, store: await pickStore(api) })
    log(`store: ${ctx.store.name} (id ${ctx.store.id}); the page's position ${ctx.store.at.lat},${ctx.store.at.lng}`)
    for (const [n, name, fn] of journeys) {
      if (!JOURNEYS.includes(n)) continue
      log(`journey ${n}: ${name}`)
      const start = Date.now()
      try {
        await fn(ctx)
        results.push({ n, name, ok: true, ms: Date.now() - start })
        log(`journey ${n}: PASS in ${((Date.now() - start) / 1000).toFixed(1)} s`)
      } catch (err) {
        results.push({ n, name, ok: false, ms: Date.now() - start, err })
        log(`journey ${n}: FAIL: ${err instanceof StepError ? err.message : err.stack}`)
        for (const p of browser.browser ? browser.browser.contexts().flatMap((c) => c.pages()) : []) {
          await browser.shot(p, `FAILED-journey${n}`).catch(() => undefined)
        }
      }
      ctx.timings.push([`journey ${n} (${name})`, Date.now() - start])
    }
  } catch (err) {
    results.push({ n: 0, name: 'setup', ok: false, err })
    log(`setup: FAIL: ${err.message}`)
  } finally {
    await stop()
  }

  if (flag('update-readme-shots')) {
    fs.mkdirSync(README_SHOTS, { recursive: true })
    for (const name of README_SET) {
      if (!browser.shots[name]) {
        log(`readme shot ${name}: not taken in this run, left as it was`)
        continue
      }
      const size = fs.statSync(browser.shots[name]).size
      if (size > 200 * 1024) {
        log(`readme shot ${name}: ${(size / 1024).toFixed(0)} KB, over 200 KB: not copied (use --scale=1)`)
        continue
      }
      fs.copyFileSync(browser.shots[name], path.join(README_SHOTS, `${name}.png`))
    }
    log(`readme shots updated in ${path.relative(process.cwd(), README_SHOTS) || README_SHOTS}`)
  }

  console.log('\ntimings:')
  for (const [what, ms] of ctx.timings) console.log(`  ${what}: ${Math.round(ms)} ms`)
  const failed = results.filter((r) => !r.ok)
  if (failed.length) {
    console.log('\nfailures:')
    for (const r of failed) console.log(`  journey ${r.n} (${r.name}): ${r.err instanceof StepError ? r.err.message : r.err && r.err.message}`)
    if (failed.some((r) => r.n === 0)) console.log(`\nserver log (tail):\n${server.tail()}`)
  }
  const passed = results.filter((r) => r.ok).length
  console.log(`\ne2e: ${failed.length ? 'FAIL' : 'PASS'}: ${passed} of ${results.length} journeys passed, ${failed.length} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), SHOTS) || SHOTS}`)
  return failed.length ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`e2e: FAIL: ${err.stack || err}`)
    process.exit(1)
  },
)
