"""Two WeasyPrint 70 layout bugs and one gap in its tags, worked around for pdf.py, which applies
them at import.

Each workaround depends on one upstream function; at import it checks that function's source
against the SHA-256 of the version it was written for, and raises WeasyPrintChanged, naming the
workaround, if it differs: a new WeasyPrint stops folio at once rather than silently dropping a
workaround or running one against code it was not written for. pyproject.toml pins WeasyPrint
to 70.x. tests/test_workarounds.py triggers each bug with a small book, on any machine.
"""

# ruff: noqa: SIM114

from __future__ import annotations

import hashlib
import inspect
from math import inf

import pydyf
import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import block as block_layout
from weasyprint.layout import inline
from weasyprint.pdf import tags
from weasyprint.text import line_break


class WeasyPrintChanged(ImportError):
    """The installed WeasyPrint is not the one a workaround was written for."""


def _expect(workaround: str, module, name: str, sha256: str) -> None:
    """Raise WeasyPrintChanged unless the source of `module.name` is the one `workaround` was written for."""
    where = f"{module.__name__}.{name}"
    try:
        found = hashlib.sha256(inspect.getsource(getattr(module, name)).encode()).hexdigest()
    except (AttributeError, OSError, TypeError) as error:  # gone, or no source installed
        raise WeasyPrintChanged(f'folio\'s workaround "{workaround}" cannot read the source of {where} to check it: {error}') from None
    if found != sha256:
        raise WeasyPrintChanged(
            f"folio's workaround \"{workaround}\" was written for WeasyPrint 70.0's {where} (sha256 {sha256[:12]}), "
            f"but WeasyPrint {weasyprint.__version__} has another one (sha256 {found[:12]}): see whether the bug is fixed "
            "(tests/test_workarounds.py triggers it), then drop or update the workaround in folio/workarounds.py"
        )


# (a) "let trailing spaces hang". split_first_line (text/line_break.py) lays out a text run that
# ends in a space before an inline element (<em>, <a>, a note's call) with Pango, which lets the
# space hang, but then compares the run's width *with* the space to the room left; when the run
# fits only without it, it keeps the run's first word alone on the line. A 70.0 regression
# (Kozea/WeasyPrint@148bc049, the fix for #2614), not reported upstream. No CSS avoids it. The
# wrapper lets the space hang, as Pango and the rest of WeasyPrint do: a run that fits without
# its trailing spaces is laid out whole.
SPLIT_FIRST_LINE = "39ad1016863ca34de0bea4c9fcffb46da7e27813c87dd82b7011bfa19fe5504f"
upstream_split_first_line = line_break.split_first_line  # kept for the tests, which show the bug without the workaround


def split_first_line_letting_spaces_hang(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
    result = upstream_split_first_line(text, style, context, max_width, justification_spacing, is_line_start, minimum)
    if (
        result[2] is not None  # broken
        and max_width not in (None, inf)
        and style["white_space"] in ("normal", "pre-line")
        and text.endswith(" ")
        and "\n" not in text
    ):
        layout = line_break.create_layout(text.rstrip(" "), style, context, max_width, justification_spacing)
        line, index = layout.get_first_line()
        fits = index is None and line_break.line_size(line, style)[0] <= max_width
        layout.deactivate()
        if fits:
            return upstream_split_first_line(text, style, context, None, justification_spacing, is_line_start, minimum)
    return result


def let_trailing_spaces_hang() -> None:
    workaround = "let trailing spaces hang"
    _expect(workaround, line_break, "split_first_line", SPLIT_FIRST_LINE)
    if inline.split_first_line is not line_break.split_first_line:
        raise WeasyPrintChanged(f'folio\'s workaround "{workaround}": weasyprint.layout.inline no longer calls split_first_line')
    inline.split_first_line = split_first_line_letting_spaces_hang  # what inline.split_text_box calls


# (b) "keep notes on their call's page". _linebox_layout (layout/block.py), when a line overflows
# the page and breaking before it would leave an orphan, moves ("reports") the page's last notes
# to the next page until the line fits, whatever their footnote-policy and wherever their calls
# are (Kozea/WeasyPrint@c87af3cf, #2432, since 66.0). The notes then print pages after their
# calls, and a note called in that very line is laid out nowhere: it is lost. No CSS turns it off
# (footnote-policy is not read there; orphans: 1 still reports), and `report` is a local variable.
# So below is 70.0's _linebox_layout (BSD-3-Clause, Copyright (c) 2011-2021, Simon Sapin and
# contributors), copied whole with that one line changed (_REPORT_NOTES): the line goes to the
# next page instead. ruff would restyle upstream's code (SIM114 below): it is left as written.
LINEBOX_LAYOUT = "e07bbe000974787ee370be1f419a01a21b327a1a1e3025a65afd47589060883d"
try:  # the module's names the copy calls
    from weasyprint.layout.block import _break_line, collapse_margin, iter_line_boxes, remove_placeholders
except ImportError as error:
    raise WeasyPrintChanged(f"folio's workaround \"keep notes on their call's page\": {error}") from None
_REPORT_NOTES = False  # the one change to the copy
upstream_linebox_layout = block_layout._linebox_layout


# fmt: off
def _linebox_layout_keeping_notes(context, box, index, child, new_children, page_is_empty,
                    absolute_boxes, fixed_boxes, adjoining_margins,
                    bottom_space, position_y, skip_stack, first_letter_style,
                    first_line_style, draw_bottom_decoration, max_lines):
    abort = stop = False
    resume_at = None
    new_footnotes = []

    assert len(box.children) == 1, 'line box with siblings before layout'

    if adjoining_margins:
        position_y += collapse_margin(adjoining_margins)
    new_containing_block = box
    lines_iterator = iter_line_boxes(
        context, child, position_y, bottom_space, skip_stack, new_containing_block,
        absolute_boxes, fixed_boxes, first_letter_style, first_line_style)
    for i, (line, resume_at) in enumerate(lines_iterator):
        # Break box if we reached max-lines
        if max_lines is not None:
            if max_lines == 0:
                new_children[-1].block_ellipsis = box.style['block_ellipsis']
                break
            max_lines -= 1

        # Update line resume_at and position_y
        line.resume_at = resume_at
        new_position_y = line.position_y + line.height

        # Add bottom padding and border to the bottom position of the
        # box if needed
        draw_bottom_decoration |= resume_at is None
        if draw_bottom_decoration:
            offset_y = box.border_bottom_width + box.padding_bottom
        else:
            offset_y = 0

        # Allow overflow if the first line of the page is higher than the page itself so
        # that we put *something* on this page and can advance in the context.
        overflow = (
            (new_children or not page_is_empty) and
            context.overflows_page(bottom_space, new_position_y + offset_y))
        if overflow:
            # If we couldn’t break the line before but can break now, first try to
            # report footnotes and see if we don’t overflow.
            could_break_before = can_break_now = True
            needed = box.style['widows'] - 1
            for next_line, _ in lines_iterator:
                needed -= 1
                remove_placeholders(
                    context, next_line.children, absolute_boxes, fixed_boxes)
                # Don’t iterate over all lines as it can be long.
                if needed == -1:
                    break
            if len(new_children) + 1 < box.style['orphans']:
                can_break_now = False
            elif needed >= 0:
                can_break_now = False
            if len(new_children) < box.style['orphans']:
                could_break_before = False
            elif needed > 0:
                could_break_before = False
            needed = max(0, needed)
            report = _REPORT_NOTES and not context.in_column and can_break_now and not could_break_before  # folio: _REPORT_NOTES
            reported_footnotes = 0
            while report and context.current_page_footnotes:
                context.report_footnote(context.current_page_footnotes[-1])
                reported_footnotes += 1
                if not context.overflows_page(bottom_space, new_position_y + offset_y):
                    new_children.append(line)
                    stop = True
                    break
            else:
                abort, stop, resume_at = _break_line(
                    context, box, line, new_children, needed, page_is_empty, index,
                    skip_stack, resume_at, absolute_boxes, fixed_boxes)

            # Revert reported footnotes, as they’ve been reported starting from the last
            # one.
            if reported_footnotes >= 2:
                extra = context.reported_footnotes[-1:-reported_footnotes-1:-1]
                context.reported_footnotes[-reported_footnotes:] = extra

            break

        # TODO: this is incomplete.
        # See https://drafts.csswg.org/css-page-3/#allowed-pg-brk
        # "When an unforced page break occurs here, both the adjoining
        #  ‘margin-top’ and ‘margin-bottom’ are set to zero."
        # See issue #115.
        elif page_is_empty and context.overflows_page(bottom_space, new_position_y):
            # Remove the top border when a page is empty and the box is
            # too high to be drawn in one page
            new_position_y -= box.margin_top
            line.translate(0, -box.margin_top)
            box.margin_top = 0

        if context.footnotes:
            break_linebox = False
            footnotes = (
                descendant.footnote for descendant in line.descendants()
                if descendant.footnote in context.footnotes)
            for footnote in footnotes:
                overflow = context.layout_footnote(footnote)
                new_footnotes.append(footnote)
                overflow = (
                    overflow or
                    context.reported_footnotes or
                    context.overflows_page(bottom_space, new_position_y + offset_y))
                if overflow:
                    context.report_footnote(footnote)
                    # If we've put other content on this page, then we may want
                    # to push this line or block to the next page. Otherwise,
                    # we can't (and would loop forever if we tried), so don't
                    # even try.
                    if new_children or not page_is_empty:
                        if footnote.style['footnote_policy'] == 'line':
                            if needed := box.style['widows'] - 1:
                                for _ in lines_iterator:
                                    needed -= 1
                                    # Don’t iterate over all lines as it can be long.
                                    if needed == 0:
                                        break
                            abort, stop, resume_at = _break_line(
                                context, box, line, new_children, needed, page_is_empty,
                                index, skip_stack, resume_at, absolute_boxes,
                                fixed_boxes)
                            break_linebox = True
                            break
                        elif footnote.style['footnote_policy'] == 'block':
                            abort = break_linebox = True
                            break
            if break_linebox:
                break

        new_children.append(line)
        position_y = new_position_y
        skip_stack = resume_at

    if new_children:
        resume_at = {index: new_children[-1].resume_at}

    return abort, stop, resume_at, position_y, new_footnotes, max_lines



# fmt: on


def keep_notes_on_their_call_page() -> None:
    _expect("keep notes on their call's page", block_layout, "_linebox_layout", LINEBOX_LAYOUT)
    block_layout._linebox_layout = _linebox_layout_keeping_notes  # what _in_flow_layout calls


# (c) "say the language of parts in the tags". WeasyPrint 70 writes the document's language
# (/Lang in the catalog) but no element's: a span marked {lang=ur} is read out in the book's
# language by a PDF reader's voice, as PDF/UA asks it not to be. The wrapper gives each
# structure element made for an element with its own lang attribute a /Lang (ISO 32000 14.9.2).
BUILD_BOX_TREE = "f716251a83e7096e9cae972b63e633aab21c664d200582166dd0d5096780f9c4"
upstream_build_box_tree = tags._build_box_tree


def _build_box_tree_with_languages(box, parent, *args):
    inner = getattr(box, "_box", box)  # an absolute element's placeholder, as upstream unwraps it
    own = inner.element is not None and inner.element_tag not in ("html", "body") and not isinstance(inner, boxes.PageBox)
    lang = inner.element.get("lang") if own else None
    for element in upstream_build_box_tree(box, parent, *args):
        if lang:
            element["Lang"] = pydyf.String(lang)
        yield element


def tag_languages_of_parts() -> None:
    _expect("say the language of parts in the tags", tags, "_build_box_tree", BUILD_BOX_TREE)
    tags._build_box_tree = _build_box_tree_with_languages  # what add_tags, and itself, call


def apply() -> None:
    let_trailing_spaces_hang()
    keep_notes_on_their_call_page()
    tag_languages_of_parts()
