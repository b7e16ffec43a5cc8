"""Web and mail addresses: the one rule for every external link of a chapter and every URL key of
book.toml (a valid absolute http(s) URL with a host, or a valid mailto: address), and the one
form each is written out in. Parsed by rfc3986, host names checked by idna (IDNA 2008, UTS 46)."""

from __future__ import annotations

import ipaddress
import re

import idna
import mdurl
import rfc3986
from rfc3986 import exceptions, validators

SCHEMES = ("http", "https", "mailto")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")
_VALIDATOR = validators.Validator().check_validity_of("scheme", "port", "path", "query", "fragment")


def is_external(url: str) -> bool:
    """Whether a link goes out of the book (any scheme, or a network path): not a #fragment or a
    path inside the book."""
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", url))


def problem(url: str) -> str | None:
    """None for an address a reader can follow; otherwise what is wrong with it, in a few words."""
    if m := _SPACE.search(url):
        return "has a space or a control character in it" if m[0].isspace() else "has a control character in it"
    if _BAD_ESCAPE.search(url):
        return "has a % that is not followed by two hexadecimal digits (write %25 for a percent sign)"
    try:
        reference = rfc3986.iri_reference(url)
    except (exceptions.RFC3986Exception, ValueError) as e:
        return f"is not a URL ({e})"
    scheme = (reference.scheme or "").lower()
    if scheme not in SCHEMES:
        shown = f"'{reference.scheme}:'" if reference.scheme else "no scheme"
        return f"has {shown}: only http(s) and mailto addresses are allowed"
    try:
        _VALIDATOR.validate(reference.encode())
    except (exceptions.ValidationError, exceptions.RFC3986Exception, idna.IDNAError, UnicodeError) as e:
        return f"is not a valid URL ({_first_line(e)})"
    if scheme == "mailto":
        addresses = (reference.path or "").split(",")
        if reference.authority is not None or not all(_address_problem(a) is None for a in addresses):
            return next((p for a in addresses if (p := _address_problem(a))), "is not a valid mailto: address")
        return None
    if not reference.authority:
        return "has no host"
    if not reference.host:
        return f"has an invalid host in {reference.authority!r}"
    return _host_problem(reference.host)


def normalized(url: str) -> str:
    """The one form of a valid address (see problem): scheme and host in lower case, the host in
    ASCII (IDNA), dot segments removed, escapes in upper case, what must be escaped escaped."""
    reference = rfc3986.iri_reference(url).encode().normalize()
    return mdurl.encode(reference.unsplit(), mdurl.ENCODE_DEFAULT_CHARS + "[]")  # [] of an IPv6 host


def _host_problem(host: str) -> str | None:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"has an invalid IP address {host!r}"
        return None
    try:
        idna.encode(host, uts46=True)
    except idna.IDNAError as e:
        return f"has an invalid host name {host!r} ({e})"
    return None


def _address_problem(address: str) -> str | None:
    local, at, domain = mdurl.decode(address).rpartition("@")
    if not at or not local or not domain:
        return f"{address!r} is not a mail address"
    return _host_problem(domain)


def _first_line(error: Exception) -> str:
    return str(error.args[0] if error.args else error).splitlines()[0]
