"""One redaction for every message of the E-utilities client: exceptions, log records, progress.

NCBI echoes a rejected request, API key included, in its error bodies, and low-level errors of a
GET request may quote the request line. Every text that can hold a URL, a request or a server
body therefore passes through ``redact`` before anyone can see it:

- ``EutilsError`` (and every subclass) and ``TransientResponseError`` redact their message when
  they are built, so a message printed by the CLI or written into a report is already clean;
- ``RedactingFilter`` sits on the logger of every ``spinereview.pubmed`` module (``get_logger``)
  and rewrites the formatted message, its args and any traceback text of each record;
- ``Progress`` redacts its line before drawing it.

Secrets are registered by ``EutilsSettings`` when it is built (the API key, and the contact
e-mail, which is personal data). The registry is process-wide on purpose: a logging filter has
no other way to know them, and a value once configured in a process stays masked there. Each
secret is found in every form a server or a library may echo it in: plain, percent-encoded
(upper- or lower-case hex, also twice), form-encoded (``+`` for a space), as XML/HTML character
references, JSON ``\\uXXXX`` escapes, and in any letter case.
"""

from __future__ import annotations

import logging
import re
import threading

#: What a secret is replaced with.
MASK = "***"
EMAIL_MASK = "***@***"

_lock = threading.Lock()
_secrets: dict[str, str] = {}  # value -> mask
_pattern: re.Pattern[str] | None = None
_masks: dict[str, str] = {}  # normalised match -> mask, filled lazily

_NAMED_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}


def _char_pattern(char: str) -> str:
    """A regex for one character of a secret in any of the encodings it may be echoed in."""
    forms = [re.escape(char)]
    code = ord(char)
    hexes = "".join(f"%(?:25)*{b:02x}" for b in char.encode("utf-8"))
    forms.append(hexes)  # percent-encoded, once or more (the ignore-case flag covers %2F/%2f)
    forms.append(f"&#0*{code};")
    forms.append(f"&#x0*{code:x};")
    if char in _NAMED_ENTITIES:
        forms.append(f"&(?:amp;)*{_NAMED_ENTITIES[char]};")
    if char == " ":
        forms.append(r"\+")
    if char == "/":
        forms.append(r"\\/")
    if code < 0x10000:
        forms.append(rf"\\u{code:04x}")
    return "(?:" + "|".join(forms) + ")"


def _compile() -> re.Pattern[str] | None:
    if not _secrets:
        return None
    # Longest first, so a secret that contains another is masked whole.
    alternatives = [
        "".join(_char_pattern(c) for c in value)
        for value in sorted(_secrets, key=lambda v: (-len(v), v))
    ]
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


def register_secret(value: str | None, mask: str = MASK) -> None:
    """Mask ``value`` (in every encoding) in everything ``redact`` sees from now on."""
    global _pattern
    if value is None or not value.strip():
        return
    value = value.strip()
    with _lock:
        if _secrets.get(value) == mask:
            return
        _secrets[value] = mask
        _pattern = _compile()


def _mask_for(match: str) -> str:
    """The mask of the secret that ``match`` encodes (the first registered one that fits)."""
    for value, mask in sorted(_secrets.items(), key=lambda item: (-len(item[0]), item[0])):
        single = re.compile("".join(_char_pattern(c) for c in value), re.IGNORECASE)
        if single.fullmatch(match):
            return mask
    return MASK


def redact(text: object) -> str:
    """``str(text)`` with every registered secret masked, in every form it may be encoded in."""
    text = str(text)
    pattern = _pattern
    if pattern is None or not text:
        return text
    if len(_secrets) == 1 or len(set(_secrets.values())) == 1:
        only = next(iter(_secrets.values()))
        return pattern.sub(only, text)
    return pattern.sub(lambda m: _mask_for(m.group(0)), text)


def redact_head(text: str, limit: int) -> str:
    """At least the first ``limit`` characters of ``redact(text)`` (all of it if shorter), for a
    message that quotes the start of a large body without redacting megabytes.

    A window is redacted and doubled until it is long enough that a secret cut at its end (left
    unmasked, at most ``margin`` characters in any encoding) lies past ``limit``.
    """
    margin = 16 * max((len(v) for v in _secrets), default=0) + 16
    window = max(4 * limit, limit + 2 * margin)
    while True:
        head = redact(text[:window])
        if window >= len(text) or len(head) >= limit + margin:
            return head
        window *= 2


class RedactingFilter(logging.Filter):
    """Rewrites a log record so that no registered secret reaches any handler.

    The message is formatted with its args, redacted, and stored back with the args removed;
    the traceback and stack texts are formatted and redacted ahead of the handler's formatter.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, still redacted
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # handlers use exc_text; the raw exception is not shown again
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install(logger: logging.Logger | logging.Handler) -> None:
    """Put the redacting filter on ``logger`` (or a handler), once."""
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(_FILTER)


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the redacting filter installed.

    A logger's filters see only the records created on that logger (not those propagated from
    its children), so every module of the client takes its logger from here.
    """
    logger = logging.getLogger(name)
    install(logger)
    return logger
