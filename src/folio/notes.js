// The web edition's notes, shown in place (folio's web.py; copied to the site's _static/).
// Without this script each note's call is a plain link to the note at the end of the chapter,
// whose number links back to the call. With it, a click on a call shows a copy of the note right
// under the call's line, without leaving the place; a second click, Escape or the copy's own
// close button hides it again.
(() => {
    const PREFIX = 'folio-note-'

    const hide = (call, pop) => {
        pop.remove()
        call.setAttribute('aria-expanded', 'false')
        call.removeAttribute('aria-controls')
    }

    const show = (call, note) => {
        const pop = document.createElement('span')
        pop.className = 'note-pop'
        pop.id = PREFIX + call.id
        pop.setAttribute('role', 'note')
        pop.setAttribute('aria-label', `Note ${call.textContent}`)
        for (const child of note.children) {
            const copy = child.cloneNode(true)
            for (const el of [copy, ...copy.querySelectorAll('[id]')]) el.removeAttribute('id')
            for (const back of copy.querySelectorAll('a[role="doc-backlink"]')) {
                const number = document.createElement('span')
                number.className = 'note-number'
                number.textContent = back.textContent
                back.replaceWith(number)
            }
            pop.append(copy)
        }
        const close = document.createElement('button')
        close.type = 'button'
        close.className = 'note-close'
        close.setAttribute('aria-label', 'Hide the note')
        close.textContent = '×'
        close.addEventListener('click', () => {
            hide(call, pop)
            call.focus()
        })
        pop.prepend(close)
        call.after(pop)
        call.setAttribute('aria-expanded', 'true')
        call.setAttribute('aria-controls', pop.id)
    }

    document.addEventListener('click', event => {
        const call = event.target instanceof Element ? event.target.closest('a.noteref') : null
        if (!call || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        const note = document.getElementById(decodeURIComponent(call.hash.slice(1)))
        if (!note) return
        event.preventDefault()
        const open = document.getElementById(PREFIX + call.id)
        if (open) hide(call, open)
        else show(call, note)
    })

    document.addEventListener('keydown', event => {
        if (event.key !== 'Escape') return
        const pop = event.target instanceof Element ? event.target.closest('.note-pop') : null
        const call = pop ? document.querySelector(`[aria-controls="${pop.id}"]`) : event.target.closest?.('a.noteref[aria-expanded="true"]')
        const open = call && document.getElementById(PREFIX + call.id)
        if (!open) return
        hide(call, open)
        call.focus()
    })

    for (const call of document.querySelectorAll('a.noteref')) call.setAttribute('aria-expanded', 'false')
})()
