// The tests' browser: one headless Chromium, driven through puppeteer-core, for the whole pytest
// session (tests/browser.py starts it). It reads one JSON command a line on stdin,
//   {"id": 1, "op": "epub" | "metrics" | "axe" | "fonts" | "notes" | "opds", "timeout": seconds, "args": {...}}
// and answers each with one JSON line on stdout, {"id": 1, "result": ...} or {"id": 1, "error": "..."}.
// Every command runs in a fresh browser context and ends within its timeout. At the end of stdin
// it closes Chromium and exits; Chromium, on a pipe, also ends when this process is killed.
//   node tests/js/driver.mjs CHROMIUM USER_DATA_DIR
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import puppeteer from 'puppeteer-core'

const [executablePath, userDataDir] = process.argv.slice(2)
const here = new URL('.', import.meta.url)
const require = createRequire(import.meta.url)
const measureSource = await readFile(new URL('measure.js', here), 'utf8')
const axeSource = await readFile(new URL('../../node_modules/axe-core/axe.min.js', here), 'utf8')

const browser = await puppeteer.launch({
    executablePath, userDataDir, pipe: true, headless: true, protocolTimeout: 120_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-extensions', '--mute-audio'],
})

const answer = message => process.stdout.write(JSON.stringify(message) + '\n')

const local = url => {
    const { protocol, hostname } = new URL(url)
    return ['data:', 'blob:', 'about:', 'file:'].includes(protocol) || hostname === '127.0.0.1'
}

// A fresh context and page at the given size that records console errors, uncaught errors and
// failed requests; any request that is not to 127.0.0.1 is refused and recorded as failed.
// With scripts: false the page's own scripts are not fetched (as with JavaScript off; the driver's
// own evaluations, which turning JavaScript off in Chromium would stop, still run).
async function openPage({ width = 1280, height = 800, mobile = false, scripts = true }, state) {
    const context = await browser.createBrowserContext()
    state.context = context
    const page = await context.newPage()
    await page.setViewport({ width, height, deviceScaleFactor: 1, isMobile: mobile, hasTouch: mobile })
    const log = { consoleErrors: [], pageErrors: [], failedRequests: [] }
    const refused = new Set()
    page.on('console', message => {
        if (message.type() === 'error') log.consoleErrors.push(message.text())
    })
    page.on('pageerror', error => log.pageErrors.push(String(error?.message ?? error)))
    await page.setRequestInterception(true)
    page.on('request', request => {
        if (request.isInterceptResolutionHandled()) return
        if (!scripts && request.resourceType() === 'script') return request.abort('blockedbyclient')
        if (local(request.url())) return request.continue()
        refused.add(request.url())
        log.failedRequests.push(`${request.url()}: refused, not to 127.0.0.1`)
        return request.abort('blockedbyclient')
    })
    page.on('requestfailed', request => {
        if (!scripts && request.resourceType() === 'script') return
        if (!refused.has(request.url())) log.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`)
    })
    page.on('response', response => {
        if (response.status() >= 400) log.failedRequests.push(`${response.url()}: HTTP ${response.status()}`)
    })
    state.page = page
    return { page, log }
}

const settle = page => page.evaluate(() => folioMeasure.settle(document))
const frames = page => page.evaluate(() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve))))

// axe-core's violations on the page as it is now, optionally only the rules with some tags
async function axeRun(page, tags) {
    await page.evaluate(axeSource)
    return page.evaluate(async tags => {
        const options = tags ? { runOnly: { type: 'tag', values: tags } } : {}
        const { violations } = await axe.run(document, { ...options, resultTypes: ['violations'] })
        return violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')) }))
    }, tags ?? null)
}

// Where an element is on the screen and what it says (a note shown in place without its close button)
const box = (page, id) => page.evaluate(id => {
    const el = document.getElementById(id)
    if (!el) return null
    const r = el.getBoundingClientRect()
    const copy = el.cloneNode(true)
    for (const button of copy.querySelectorAll('button')) button.remove()
    return {
        top: r.top, bottom: r.bottom, left: r.left, right: r.right,
        visible: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden',
        onScreen: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
        text: copy.textContent.replace(/\u00ad/g, '').replace(/\s+/g, ' ').trim(),
    }
}, id)

const ops = {
    // Render an EPUB in a reading system (tests/js/<reader>.html) and measure every spine document.
    async epub({ url, reader, width, height, fontScale = 1, flow = 'paginated' }, state) {
        const { page, log } = await openPage({ width, height }, state)
        state.step = `loading the ${reader} page`
        await page.goto(new URL(`/js/${reader}.html`, url).href, { waitUntil: 'load' })
        await page.waitForFunction(() => globalThis.walk, { timeout: 0 })
        const documents = await page.evaluate((url, fontScale, flow) => walk({ url, fontScale, flow }), url, fontScale, flow)
        return { documents, ...log }
    },
    // A plain page: its width against the window, what overflows, errors and failed requests.
    async metrics({ url, width, height, mobile }, state) {
        const { page, log } = await openPage({ width, height, mobile }, state)
        state.step = `loading ${url}`
        await page.goto(url, { waitUntil: 'load' })
        await page.evaluate(measureSource)
        await settle(page)
        const size = await page.evaluate(() => ({
            ...folioMeasure.measure(document),
            overflow: document.documentElement.scrollWidth > innerWidth,
            fonts: [...document.fonts].filter(f => f.status === 'loaded').map(f => `${f.family.replace(/"/g, '')} ${f.style} ${f.weight}`),
        }))
        return { ...size, ...log }
    },
    // axe-core's violations on each page, optionally only the rules with some tags: one page
    // goes from URL to URL, so that Chromium compiles axe once.
    async axe({ urls, tags }, state) {
        const { page } = await openPage({}, state)
        const found = {}
        for (const url of urls) {
            state.step = `checking ${url}`
            await page.goto(url, { waitUntil: 'load' })
            found[url] = await axeRun(page, tags)
        }
        return found
    },
    // Click the first `limit` note calls (a.noteref) of a page, each scrolled to the middle of the
    // window first, with the page's scripts or without. With them, each call's note should show in place
    // (the element "folio-note-" + the call's id) without the page moving; without, the click
    // goes to the note, whose back link (clicked next) returns to the call. Then what overflows,
    // and with tags, axe-core's violations with the notes open.
    async notes({ url, width = 1280, height = 800, mobile = false, javascript = true, limit = 3, tags }, state) {
        const { page, log } = await openPage({ width, height, mobile, scripts: javascript }, state)
        state.step = `loading ${url}`
        await page.goto(url, { waitUntil: 'load' })
        await page.evaluate(measureSource)
        await settle(page)
        const where = () => page.evaluate(() => ({ url: location.href, scrollY: Math.round(scrollY) }))
        const calls = await page.$$eval('a.noteref', links => links.map(a => ({ id: a.id, href: a.getAttribute('href') })))
        const clicked = []
        for (const { id, href } of calls.slice(0, limit)) {
            state.step = `clicking note call ${id}`
            await page.evaluate(id => document.getElementById(id).scrollIntoView({ block: 'center' }), id)
            await frames(page)
            const before = await where()
            await page.click(`[id="${id}"]`)
            await frames(page)
            const after = await where()
            const result = { call: id, href, before, after, callBox: await box(page, id) }
            if (javascript) {
                result.shown = await box(page, `folio-note-${id}`)
                result.expanded = await page.$eval(`[id="${id}"]`, a => a.getAttribute('aria-expanded'))
            } else {
                const target = decodeURIComponent(new URL(after.url).hash.slice(1))
                result.target = await box(page, target)
                await page.click(`[id="${target}"] a[role="doc-backlink"]`)
                await frames(page)
                result.back = { ...(await where()), callBox: await box(page, id) }
            }
            clicked.push(result)
        }
        const measured = await page.evaluate(() => folioMeasure.measure(document))
        const violations = tags ? await axeRun(page, tags === true ? null : tags) : null
        return { calls: clicked, notes: calls.length, ...measured, violations, ...log }
    },
    // Read an OPDS catalogue with opds-feed-parser (an OPDS client library) as a reading app does:
    // the feed at `url`, then every acquisition link of every entry, resolved against the feed's
    // address and downloaded: its status, length and SHA-256.
    async opds({ url }, state) {
        const Parser = require('opds-feed-parser').default
        state.step = `fetching ${url}`
        const xml = await (await fetch(url)).text()
        const feed = await new Parser().parse(xml)
        const entries = []
        for (const entry of feed.entries ?? [feed]) {  // a catalogue entry document is one entry
            const links = []
            for (const link of entry.links) {
                const found = { kind: link.constructor.name, rel: link.rel, href: link.href, type: link.type, title: link.title }
                if (found.kind === 'OPDSAcquisitionLink' || found.kind === 'OPDSArtworkLink') {
                    const absolute = new URL(link.href, url).href
                    state.step = `downloading ${absolute}`
                    const response = await fetch(absolute)
                    const bytes = Buffer.from(await response.arrayBuffer())
                    Object.assign(found, { url: absolute, status: response.status, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })
                }
                links.push(found)
            }
            entries.push({
                id: entry.id, title: entry.title, authors: entry.authors.map(a => a.name), language: entry.language,
                issued: entry.issued, updated: entry.updated, summary: entry.summary?.content ?? null, links,
            })
        }
        return { kind: feed.constructor.name, id: feed.id, title: feed.title, updated: feed.updated, entries }
    },
    // The platform fonts Chromium renders each run of text with (one script, one text node).
    async fonts({ url }, state) {
        const { page } = await openPage({}, state)
        state.step = `loading ${url}`
        await page.goto(url, { waitUntil: 'load' })
        await page.evaluate(measureSource)
        await settle(page)
        const runs = await page.evaluate(() => folioMeasure.markRuns(document))
        const cdp = await page.createCDPSession()
        await cdp.send('DOM.enable')
        await cdp.send('CSS.enable')
        const { root } = await cdp.send('DOM.getDocument', { depth: 0 })
        const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '[data-folio-run]' })
        if (nodeIds.length !== runs.length) throw new Error(`${runs.length} runs marked, ${nodeIds.length} found`)
        const answers = await Promise.all(nodeIds.map(nodeId => cdp.send('CSS.getPlatformFontsForNode', { nodeId })))
        answers.forEach(({ fonts }, i) => {
            runs[i].fonts = fonts.map(f => ({ family: f.familyName, postScriptName: f.postScriptName, custom: f.isCustomFont, glyphs: f.glyphCount }))
        })
        return runs
    },
}

const withTimeout = (promise, seconds, state) => {
    let timer
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(async () => {
            const where = await Promise.race([
                state.page?.evaluate(() => globalThis.folioStep).catch(() => null),
                new Promise(resolve => setTimeout(resolve, 1000)),
            ])
            reject(new Error(`timed out after ${seconds} s, ${where ?? state.step}`))
        }, seconds * 1000)
    })
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// Commands run one after another, in the order they came.
let queue = Promise.resolve()
const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
    queue = queue.then(async () => {
        const { id, op, timeout = 60, args = {} } = JSON.parse(line)
        const state = { step: `running ${op}` }
        try {
            if (!ops[op]) throw new Error(`no such operation: ${op}`)
            answer({ id, result: await withTimeout(ops[op](args, state), timeout, state) })
        } catch (error) {
            answer({ id, error: String(error?.message ?? error) })
        } finally {
            await Promise.race([state.context?.close(), new Promise(resolve => setTimeout(resolve, 5000))]).catch(() => {})
        }
    })
})
// stdin ends when pytest does, done or killed: close Chromium (or leave it to end with its pipe)
lines.on('close', () => Promise.race([browser.close(), new Promise(resolve => setTimeout(resolve, 10_000))])
    .finally(() => process.exit(0)))
answer({ ready: await browser.version() })
