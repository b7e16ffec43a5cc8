// Measurements made inside a page or a reading system's iframe: a classic script, so that the
// reader pages load it with <script src> and the driver can inject it into any page (XHTML too).
// It defines globalThis.folioMeasure.
(() => {
    const TOLERANCE = 1  // px: sub-pixel rounding of justified lines is not an overflow

    // The columns a document is laid out in. Paginated readers set column-width and column-gap
    // on the root element (foliate-js) or the body (epub.js); the columns then run on to the right
    // of that element's box, one after another, each `width` wide, `stride` apart (to the left, in
    // a document written right to left). A document without columns has one: the root's content box.
    function columns(doc) {
        const px = value => parseFloat(value) || 0
        const styleOf = el => doc.defaultView.getComputedStyle(el)
        const paged = el => el && (styleOf(el).columnWidth !== 'auto' || styleOf(el).columnCount !== 'auto')
        const container = [doc.documentElement, doc.body].find(paged) ?? doc.documentElement
        const style = styleOf(container)
        const rect = container.getBoundingClientRect()
        const left = rect.left + px(style.borderLeftWidth) + px(style.paddingLeft)
        const content = rect.width - px(style.borderLeftWidth) - px(style.paddingLeft)
            - px(style.paddingRight) - px(style.borderRightWidth)
        const rtl = style.direction === 'rtl'
        if (!paged(container)) return { container, left, width: content, stride: 1e9, rtl }
        const gap = style.columnGap === 'normal' ? px(style.fontSize) : px(style.columnGap)
        // CSS Multi-column Layout 3.4: the used count and width from column-width and -count
        let count = style.columnWidth === 'auto' ? parseInt(style.columnCount)
            : Math.max(1, Math.floor((content + gap) / (px(style.columnWidth) + gap)))
        if (style.columnCount !== 'auto') count = Math.min(count, parseInt(style.columnCount))
        const width = (content + gap) / count - gap
        return { container, left, width, stride: width + gap, rtl }
    }

    // How far (px) a box goes past the column it begins in, on either side; 0 when inside. A box
    // that begins in a gap has run on from the column before it. Right to left, the columns after
    // the first stand left of the container's box, still a whole number of strides from it.
    function outside(rect, col) {
        if (!rect.width && !rect.height) return 0
        const n = Math.floor((rect.left + TOLERANCE - col.left) / col.stride)
        const k = col.rtl ? n : Math.max(0, n)
        const start = col.left + k * col.stride
        return Math.max(rect.right - (start + col.width), start - rect.left, 0)
    }

    const worst = (rects, col) => Math.max(0, ...Array.from(rects, r => outside(r, col)))
    const squash = text => text.replace(/\u00ad/g, '').replace(/\s+/g, ' ').trim()  // as tests/readers.py's
    const name = el => el.localName + Array.from(el.classList, c => '.' + c).join('')
    const round = x => Math.round(x * 10) / 10
    const SKIP = new Set(['script', 'style', 'head', 'title', 'noscript', 'template'])

    // Every box that goes past its column: elements (the outermost of a nest that overflows
    // together, e.g. a table rather than its rows and cells), and words (a long word or address
    // in a paragraph that does not itself overflow), named by their element's tag and class, with
    // a snippet of the text and how many px past the edge they go.
    function overflows(doc) {
        const col = columns(doc)
        const found = []
        const range = doc.createRange()
        const textOverflow = node => {
            range.selectNodeContents(node)
            if (worst(range.getClientRects(), col) <= TOLERANCE) return
            // word by word: a space hanging at a line's end is not cut off
            for (const m of node.data.matchAll(/\S+/g)) {
                range.setStart(node, m.index)
                range.setEnd(node, m.index + m[0].length)
                const by = worst(range.getClientRects(), col)
                if (by > TOLERANCE) found.push({ element: name(node.parentElement), text: m[0].slice(0, 80), overflow: round(by) })
            }
        }
        // an inline element's boxes are its lines, spaces and all: its words and atoms are measured instead
        // a box that scrolls sideways (not the body) holds what is wider than it: scrolled to, not cut off
        const scrolls = (el, style) => el !== doc.body && ['auto', 'scroll'].includes(style.overflowX)
        const walk = el => {
            const style = doc.defaultView.getComputedStyle(el)
            const by = style.display === 'inline' ? 0 : worst(el.getClientRects(), col)
            if (by > TOLERANCE) found.push({ element: name(el), text: squash(el.textContent).slice(0, 80), overflow: round(by) })
            else if (!scrolls(el, style)) walkChildren(el)
        }
        const walkChildren = el => {
            for (const child of el.childNodes) {
                if (child.nodeType === 1 && !SKIP.has(child.localName)) walk(child)
                else if (child.nodeType === 3 && child.data.trim()) textOverflow(child)
            }
        }
        walkChildren(col.container)  // the boxes inside the column container, not the container
        return found
    }

    // The document's size against its column, its text size (px), how much text it holds, and
    // what overflows.
    function measure(doc) {
        const col = columns(doc)
        return {
            scrollWidth: doc.documentElement.scrollWidth,
            viewportWidth: doc.defaultView.innerWidth,
            columnWidth: round(col.width),
            fontSize: parseFloat(doc.defaultView.getComputedStyle(doc.body).fontSize),
            text: squash(doc.body.textContent).length,
            overflows: overflows(doc),
            // each image as the reader shows it: a width of 0 is one the browser could not decode
            images: Array.from(doc.querySelectorAll('img'), img => ({ src: img.getAttribute('src'), width: img.naturalWidth })),
        }
    }

    // Wait until the document's fonts and images are in, then for a rendered frame.
    async function settle(doc) {
        await doc.fonts.ready
        await Promise.all(Array.from(doc.querySelectorAll('img'), img => img.complete ? null
            : new Promise(resolve => { img.addEventListener('load', resolve); img.addEventListener('error', resolve) })))
        for (let i = 0; i < 2; i++) await new Promise(resolve => requestAnimationFrame(resolve))
    }

    // Where a long call is, for the driver's message when it times out.
    const step = text => { globalThis.folioStep = text }

    const SCRIPTS = ['Latin', 'Arabic', 'Hebrew', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Devanagari', 'Bengali',
        'Gurmukhi', 'Gujarati', 'Tamil', 'Thai', 'Ethiopic', 'Han', 'Hiragana', 'Katakana', 'Hangul']
        .map(s => [s, new RegExp(`\\p{Script=${s}}`, 'u')])
    const scriptOf = ch => /\p{Script=Inherited}/u.test(ch) ? 'Inherited' : /\p{Script=Common}/u.test(ch) ? 'Common'
        : (SCRIPTS.find(([, re]) => re.test(ch)) ?? ['Other'])[0]

    // A text split into runs of one script: marks go with what they mark; spaces and punctuation
    // join the run on either side of them, unless they stand between two scripts.
    function scriptRuns(text) {
        const runs = []
        for (const ch of text) {
            const script = scriptOf(ch)
            const last = runs[runs.length - 1]
            if (last && (script === last.script || script === 'Inherited')) last.text += ch
            else runs.push({ script, text: ch })
        }
        const out = []
        let carry = ''
        runs.forEach((run, i) => {
            const before = runs[i - 1]?.script, after = runs[i + 1]?.script
            if (run.script === 'Common' && before && (!after || after === before)) out[out.length - 1].text += run.text
            else if (run.script === 'Common' && !before && after) carry = run.text
            else if (out.length && out[out.length - 1].script === run.script) out[out.length - 1].text += run.text
            else { out.push({ script: run.script, text: carry + run.text }); carry = '' }
        })
        return out
    }

    // Wrap each run of text in the body in a <span data-folio-run>, in document order, so that
    // CSS.getPlatformFontsForNode can be asked about each; return the runs.
    function markRuns(doc) {
        const XHTML = 'http://www.w3.org/1999/xhtml'
        const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT, {
            acceptNode: node => node.data.trim() && node.parentElement?.namespaceURI === XHTML
                && !node.parentElement.closest('script, style, noscript, template')
                ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
        })
        const nodes = []
        for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node)
        const runs = []
        for (const node of nodes) {
            const element = name(node.parentElement)
            const spans = scriptRuns(node.data).map(run => {
                const span = doc.createElementNS(XHTML, 'span')
                span.setAttribute('data-folio-run', '')
                span.textContent = run.text
                if (run.text.trim()) runs.push({ text: squash(run.text).slice(0, 80), script: run.script, element })
                else span.removeAttribute('data-folio-run')
                return span
            })
            node.replaceWith(...spans)
        }
        return runs
    }

    globalThis.folioMeasure = { columns, overflows, measure, settle, step, scriptRuns, markRuns }
})()
