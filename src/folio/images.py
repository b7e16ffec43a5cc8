"""The images a chapter names, checked before they reach either edition: a file inside the book
folder, an image by its bytes (PNG, JPEG, GIF, WebP or SVG: EPUB 3's core media types) and named
for its type, that decodes; an SVG parsed without DTDs, entities or network, refused where it
could run or load anything, and written out again from the parsed tree.

A book folder may come from anyone (a pull request, a downloaded manuscript): nothing here trusts
a name. Pillow, lxml and tinycss2 are imported inside the functions that use them, so that
deciding what to rebuild loads none of them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import posixpath
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .fileio import Refused, book_file, cache_folder, write_text
from .model import BookImage

if TYPE_CHECKING:
    from lxml import etree

# Pillow warns of a decompression bomb above Image.MAX_IMAGE_PIXELS (this same number, its default:
# 256 MiB of 24-bit pixels, a 9459-pixel square) and refuses only above twice as many. folio
# refuses above it, counting every frame of an animation: a picture at 600 dpi across a two-page
# spread of a 7 x 10 in book has 14 x 10 x 600 x 600 = 50 million pixels.
MAX_PIXELS = 89_478_485

TAKEN = "only PNG, JPEG, GIF, WebP and SVG"


@dataclass(frozen=True)
class ImageType:
    name: str
    media_type: str
    suffixes: tuple[str, ...]  # the names the file may have; the first is the usual one


# By Pillow's format names; MPO is a JPEG with more pictures after the first (cameras write them).
RASTER = {
    "PNG": ImageType("PNG", "image/png", (".png",)),
    "JPEG": ImageType("JPEG", "image/jpeg", (".jpg", ".jpeg")),
    "MPO": ImageType("JPEG", "image/jpeg", (".jpg", ".jpeg")),
    "GIF": ImageType("GIF", "image/gif", (".gif",)),
    "WEBP": ImageType("WebP", "image/webp", (".webp",)),
}
_PILLOW_FORMATS = ["PNG", "JPEG", "GIF", "WEBP"]  # the plugins Pillow may open them with (JPEG's gives MPO too)
SVG = ImageType("SVG", "image/svg+xml", (".svg",))
_MEDIA_TYPES = {t.media_type: t for t in [*RASTER.values(), SVG]}

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_XINCLUDE_NS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")


class ImageError(Exception):
    """Why an image is refused, as the rest of a sentence that begins "image 'pic.png' "."""


# --- Where the file is ----------------------------------------------------------------------


def locate(folder: Path, src: str, limit: int) -> tuple[str, Path]:
    """The file an image's src names, as (its path relative to the book folder, the file): every
    way of writing one file (pic.png, ./pic.png, sub/../pic.png, my%20pic.png) gives one key.
    Anything but a relative path to a regular file inside the book folder, of at most `limit`
    bytes, is refused, saying what to do."""
    if not src.strip():
        raise ImageError("names no file: write the image's path in the book folder between the parentheses")
    parts = urlsplit(src)
    scheme = parts.scheme.lower()
    if scheme == "file":
        raise ImageError("is a file: URL: copy the image into the book folder and name it by its path there (images/map.png)")
    if scheme == "data":
        raise ImageError("is a data: URL: save the image as a file in the book folder and name that file")
    if scheme in ("http", "https", "ftp") or src.startswith("//"):
        raise ImageError("is remote: download it into the book folder and name it by its path there (images/map.png)")
    if len(scheme) > 1:
        raise ImageError(f"is a {scheme}: URL, not a file: name an image file in the book folder")
    if parts.query or parts.fragment or "?" in src or "#" in src:
        raise ImageError("has a query or a fragment (?… or #…): name the file alone")
    path = unquote(parts.path if not scheme else src)
    if "\\" in path or "\0" in path:
        raise ImageError("is not a path: separate its folders with /")
    if path.startswith("/") or scheme:  # scheme: a Windows drive letter, C:/…
        raise ImageError("is an absolute path: name the image by its path inside the book folder")
    relative = posixpath.normpath(path)
    if relative == ".." or relative.startswith("../"):
        raise ImageError("is outside the book folder: copy it into the book folder")
    try:  # the one resolver of every file a book names: links kept inside the book, regular files, a size limit
        return relative, book_file(folder, relative, limit)
    except Refused as e:
        raise ImageError(str(e).removeprefix(f"{relative!r} ")) from None


def read(path: Path, limit: int) -> bytes:
    """The bytes of a file book_file found, no more than `limit` (the file may have grown since)."""
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as e:
        raise ImageError(f"cannot be read: {e.strerror}") from None
    if len(data) > limit:
        raise ImageError(f"is over the book's limit of {limit:,} bytes (raise image_size in book.toml's [limits])")
    return data


# --- What it is -----------------------------------------------------------------------------


def check_image(key: str, data: bytes) -> BookImage:
    """The image of a book file (`key`, its path in the book folder) with these bytes, checked:
    of a type EPUB readers all show, named for that type, decoded whole; an SVG cleaned."""
    suffix = PurePosixPath(key).suffix.lower()
    if not data:
        raise ImageError("is an empty file")
    known = _decoded_before(data)
    if known is not None:  # these very bytes decoded whole before: in another task's process, an earlier build
        kind, animated = known
        _check_name(kind, suffix)
        return BookImage(key, kind.media_type, data, animated)
    raster, svg = _open_raster(data), None
    if raster is not None:
        kind = RASTER[raster.format or ""]
    else:
        try:
            svg, kind = parse_svg(data), SVG
        except ImageError:
            if suffix == ".svg":  # what is wrong with it as an SVG
                raise
            raise ImageError(f"is {_what(data)}: folio takes {TAKEN} images (the types every EPUB reader shows); convert it") from None
    _check_name(kind, suffix)
    if svg is not None:
        cleaned, animated = clean_svg(svg)
        return BookImage(key, SVG.media_type, cleaned, animated)
    animated = _decode(raster, kind)
    _remember(data, raster.format, animated)
    return BookImage(key, kind.media_type, data, animated)


def _check_name(kind: ImageType, suffix: str) -> None:
    if suffix not in kind.suffixes:
        named = f"named {suffix}" if suffix else "named without a suffix"
        article = "an" if kind is SVG else "a"
        raise ImageError(f"is {article} {kind.name} image {named}: rename it to end in {kind.suffixes[0]}")


# Decoding a photograph takes about a second, and the lint, the layout and the EPUB each check
# the book in a process of their own: what decoded whole is remembered in the cache folder, by
# the bytes' hash, with what the verdict depends on (Pillow's version, the limit, these checks).
_CHECKS = 1  # raise when the raster checks change


def _verdict_key(data: bytes) -> tuple[Path, str]:
    from PIL import __version__ as pillow

    return cache_folder("images") / f"{hashlib.sha256(data).hexdigest()}.txt", f"pillow {pillow} pixels {MAX_PIXELS} checks {_CHECKS}"


def _decoded_before(data: bytes) -> tuple[ImageType, bool] | None:
    path, conditions = _verdict_key(data)
    try:
        fmt, animated, kept = path.read_text(encoding="utf-8").split(" ", 2)
    except (OSError, ValueError):
        return None
    return (RASTER[fmt], animated == "1") if kept == conditions and fmt in RASTER else None


def _remember(data: bytes, fmt: str, animated: bool) -> None:
    path, conditions = _verdict_key(data)
    with contextlib.suppress(OSError):
        write_text(path, f"{fmt} {int(animated)} {conditions}")


def _open_raster(data: bytes) -> Any:
    """The image opened by Pillow (not yet decoded) where the bytes are one of the raster types
    folio takes; None where they are not."""
    from PIL import Image, UnidentifiedImageError

    with _strict(), warnings.catch_warnings():
        # Pillow's warning of a decompression bomb is an error: folio's own check of the same
        # limit, just below, names the count. Above twice the limit Pillow refuses itself.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS)
        except UnidentifiedImageError:
            if kind := _signature(data):
                raise ImageError(f"is a {kind.name} image whose header is broken: it does not decode") from None
            return None
        except Image.DecompressionBombError:
            raise ImageError(_too_many_pixels()) from None
        except Exception as e:  # noqa: BLE001 - whatever Pillow raises, the image is refused
            kind = _signature(data)
            raise ImageError(f"does not decode{f' as {kind.name}' if kind else ''}: {e or type(e).__name__}") from None
    if image.width * image.height > MAX_PIXELS:
        raise ImageError(_too_many_pixels(image.width * image.height))
    return image


@contextlib.contextmanager
def _strict():
    """Pillow as it is by default: WeasyPrint, imported in the same process, lets it load truncated
    images (ImageFile.LOAD_TRUNCATED_IMAGES) for all."""
    from PIL import ImageFile

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _signature(data: bytes) -> ImageType | None:
    """The raster type whose signature the bytes begin with, for a clearer message about a file
    Pillow cannot open at all."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return RASTER["PNG"]
    if data.startswith(b"\xff\xd8\xff"):
        return RASTER["JPEG"]
    if data.startswith((b"GIF87a", b"GIF89a")):
        return RASTER["GIF"]
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return RASTER["WEBP"]
    return None


def _what(data: bytes) -> str:
    """What a file that is not an image folio takes is, as far as can be told."""
    if data.startswith(b"%PDF-"):
        return "a PDF document"
    from PIL import Image

    with contextlib.suppress(Exception), warnings.catch_warnings():  # not an image Pillow knows
        warnings.simplefilter("ignore")
        with Image.open(io.BytesIO(data)) as other:
            return f"a {other.format} image"
    try:
        data.decode("utf-8")
        return "a text file, not an image"
    except UnicodeDecodeError:
        return "not an image"


def _too_many_pixels(pixels: int = 0, frames: int = 1) -> str:
    """Where Pillow stops at open (above twice the limit), it gives no count."""
    has = f"has {pixels:,} pixels{f' in {frames} frames' if frames > 1 else ''}, " if pixels else "has "
    return f"{has}more than the {MAX_PIXELS:,} folio decodes (a decompression bomb?): make it smaller"


def _decode(image: Any, kind: ImageType) -> bool:
    """Decode every frame of an opened raster image, or refuse it; whether it is animated."""
    from PIL import Image, ImageSequence

    pixels = frames = 0
    with image, _strict(), warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            for frame in ImageSequence.Iterator(image):
                frames += 1
                pixels += frame.width * frame.height
                if pixels > MAX_PIXELS:
                    raise ImageError(_too_many_pixels(pixels, frames))
                frame.load()
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(_too_many_pixels()) from None
        except Exception as e:  # noqa: BLE001 - whatever Pillow raises, the image does not decode
            raise ImageError(f"does not decode as {kind.name}: {e or type(e).__name__}") from None
        return frames > 1


# --- SVG --------------------------------------------------------------------------------------

# SVG's elements that draw, group, define or describe (SVG 1.1 and 2). Any other element in the
# SVG namespace is refused, as it is not known to be harmless.
_SVG_ELEMENTS = frozenset(
    """a altGlyph altGlyphDef altGlyphItem animate animateColor animateMotion animateTransform circle clipPath
    color-profile cursor defs desc ellipse feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR
    feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight
    feTile feTurbulence filter font font-face font-face-format font-face-name font-face-src font-face-uri g glyph
    glyphRef hatch hatchpath hkern image line linearGradient marker mask meshgradient meshpatch meshrow metadata
    missing-glyph mpath path pattern polygon polyline radialGradient rect set solidcolor stop style svg switch
    symbol text textPath title tref tspan use view vkern""".split()  # noqa: SIM905 - a list of 86 names, read as a paragraph
)
_ANIMATIONS = frozenset({"animate", "animateColor", "animateMotion", "animateTransform", "set"})
_SCRIPTS = frozenset({"script", "handler", "listener"})  # SVG's script, and SVG Tiny 1.2's event handlers
_XML_ATTRIBUTES = frozenset({f"{{{_XML_NS}}}{name}" for name in ("lang", "space", "id")})
# CSS functions that load what they name; url() may name only a part of the image itself (#id).
_LOADING_FUNCTIONS = frozenset({"src", "image", "image-set", "-webkit-image-set", "cross-fade", "element", "-moz-element"})


def parse_svg(data: bytes) -> etree._Element:
    """An SVG image's root element, parsed without DTDs, entities or network; comments dropped."""
    from lxml import etree

    options = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
    try:
        for _, root in etree.iterparse(io.BytesIO(data), events=("start",), **options):  # the DTD comes before the root
            if root.getroottree().docinfo.doctype:
                raise ImageError(
                    "is an SVG with a DOCTYPE, which folio does not read (its entities could expand without end or read "
                    "files: billion laughs, XXE): delete the <!DOCTYPE …> and write any entities out"
                )
            break
        parser = etree.XMLParser(remove_comments=True, remove_pis=False, strip_cdata=True, collect_ids=False, **options)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise ImageError(f"is not a well-formed SVG: {e.msg} (line {e.lineno} of the SVG)") from None
    if root.tag != f"{{{_SVG_NS}}}svg":
        if etree.QName(root).localname == "svg":
            raise ImageError(f'is an <svg> without the SVG namespace: add xmlns="{_SVG_NS}" to it')
        raise ImageError(f"is an XML document (<{etree.QName(root).localname}>), not an SVG image")
    return root


def clean_svg(root: etree._Element) -> tuple[bytes, bool]:
    """A parsed SVG image's cleaned bytes, and whether it animates; or ImageError saying where it
    is refused and why.

    Refused, for the author to mend: a DOCTYPE (parse_svg: entities could expand without end or
    read files: billion laughs, XXE), a script or event handler, HTML inside the image
    (foreignObject), and a reference to anything outside the image (href, CSS url() and @import,
    an xml-stylesheet, XInclude), where a silent repair would change what the author drew and
    hide an attack from whoever reviews the book. Dropped, as no reader shows them: comments,
    processing instructions, and elements and attributes of other namespaces (an editor's own:
    Inkscape's, Illustrator's, RDF metadata). What is kept is written out from the parsed tree.
    """
    from lxml import etree

    for node in root.itersiblings(preceding=True):
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet":
            raise _refusal(node, "loads a stylesheet from outside the image (<?xml-stylesheet?>)", "remove it")
    animated = _clean(root)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), animated


def _clean(root: etree._Element) -> bool:
    """Refuse or drop, in place, what clean_svg says; whether anything animates."""
    from lxml import etree

    animated = False
    for node in list(root.iter()):
        if not isinstance(node.tag, str):  # a processing instruction (or an entity left unexpanded)
            if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet":
                raise _refusal(node, "loads a stylesheet from outside the image (<?xml-stylesheet?>)", "remove it")
            _drop(node)
            continue
        name = etree.QName(node)
        if name.localname in _SCRIPTS:
            raise _refusal(node, f"has a <{name.localname}> element", "an image runs no scripts; remove it")
        if name.localname == "foreignObject":
            raise _refusal(node, "has a <foreignObject> (HTML inside the image, which can run or load anything)", "draw it in SVG")
        if name.namespace == _XHTML_NS:
            raise _refusal(node, f"has HTML inside the image (<{name.localname}>)", "draw it in SVG")
        if name.namespace in _XINCLUDE_NS:
            raise _refusal(node, "includes a file from outside the image (XInclude)", "write its content in")
        if name.namespace != _SVG_NS:
            _drop(node)  # an editor's own data (the root is SVG's): nothing shows it
            continue
        if name.localname not in _SVG_ELEMENTS:
            raise _refusal(node, f"has an element that folio does not know as SVG (<{name.localname}>)", "remove it")
        if name.localname in _ANIMATIONS:
            animated = True
            target = (node.get("attributeName") or "").split(":")[-1].strip().lower()
            if target == "href" or target.startswith("on"):
                raise _refusal(node, f"animates {node.get('attributeName')!r}", "an image may not change what it links to or runs")
        for attribute, value in list(node.attrib.items()):
            animated |= _check_attribute(node, attribute, value)
    for style in root.iter(f"{{{_SVG_NS}}}style"):  # its whole text, once what was dropped from it is gone
        animated |= _check_css(style, "".join(style.itertext()))
    return animated


def _drop(node: etree._Element) -> None:
    """Take a node out of its tree, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _check_attribute(node: etree._Element, attribute: str, value: str) -> bool:
    """Refuse an attribute that runs or loads something, drop one of another namespace; whether
    it animates (CSS @keyframes in a style)."""
    namespace, _, local = attribute[1:].rpartition("}") if attribute.startswith("{") else ("", "", attribute)
    if namespace not in ("", _XLINK_NS) and attribute not in _XML_ATTRIBUTES:
        del node.attrib[attribute]  # an editor's own, or xml:base (which would move where href points)
        return False
    if local.lower().startswith("on"):
        raise _refusal(node, f"has an event handler ({local}=…)", "an image runs no scripts; remove it")
    if local == "href":
        return _check_href(node, value)
    return _check_css(node, value)


def _check_href(node: etree._Element, href: str) -> bool:
    """An href may name a part of the image itself (#id), or hold a raster image that decodes;
    whether that image is animated."""
    href = href.strip()
    if href.startswith("#"):
        return False
    if href.lower().startswith("data:"):
        header, comma, payload = href[5:].partition(",")
        kind = _MEDIA_TYPES.get(header.lower().removesuffix(";base64"))
        if not comma or not header.lower().endswith(";base64") or kind is None or kind is SVG:
            raise _refusal(node, "holds a data: URL that is not a base64 PNG, JPEG, GIF or WebP image", "embed only those")
        try:
            embedded = base64.b64decode("".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            raise _refusal(node, "holds a data: URL that is not valid base64", "embed the image again") from None
        try:
            image = _open_raster(embedded)
            if image is None or RASTER[image.format].media_type != kind.media_type:
                raise ImageError(f"is not a {kind.name} image")
            return _decode(image, kind)
        except ImageError as e:
            raise _refusal(node, f"holds a data: image that {e}") from None
    raise _refusal(node, f"refers to {_short(href)!r}, outside the image", "only #id within it, or an embedded raster image, is allowed")


def _check_css(node: etree._Element, css: str) -> bool:
    """Refuse CSS (a style element or attribute, or a presentation attribute's value) that loads
    anything from outside the image; whether it defines an animation (@keyframes). tinycss2
    reads it as a browser does, escapes and all."""
    if not any(c in css for c in "(@\\"):
        return False
    import tinycss2

    animated = False
    todo = list(tinycss2.parse_component_value_list(css))
    while todo:
        token = todo.pop()
        if token.type == "url" and not token.value.strip().startswith("#"):
            raise _refusal(node, f"has a style that loads {_short(token.value)!r} from outside the image with url()", "remove it")
        if token.type == "at-keyword":
            if token.lower_value == "import":
                raise _refusal(node, "has a style that loads a stylesheet from outside the image with @import", "remove it")
            animated |= token.lower_value.endswith("keyframes")
        if token.type == "function":
            if token.lower_name in _LOADING_FUNCTIONS:
                raise _refusal(node, f"has a style that loads an image with {token.name}()", "use url(#id) within the image")
            if token.lower_name == "url":
                target = next((t.value for t in token.arguments if t.type == "string"), "")
                if not target.strip().startswith("#"):
                    raise _refusal(node, f"has a style that loads {_short(target)!r} from outside the image with url()", "remove it")
            todo += token.arguments
        todo += getattr(token, "content", None) or []
    return animated


def _refusal(node: Any, what: str, advice: str = "") -> ImageError:
    return ImageError(f"is an SVG whose line {node.sourceline} {what}" + (f": {advice}" if advice else ""))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
