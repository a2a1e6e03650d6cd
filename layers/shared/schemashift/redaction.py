"""The one rule for secrets in text: what counts as one, and how it is hidden.

A secret is the password of a URL's userinfo (``scheme://user:secret@host``) or the value of a
password-like key in any spelling a database URL or message uses: query parameters
(``?password=``, ``&Password=``, ``&pwd=``, ``&pass=``), JDBC properties (``;password=``), ``key=value``
text, and JSON (``"password": "..."``). Instance URLs holding one are refused; API errors, logs and the
errors stored with executions pass through ``redact``.
"""

from __future__ import annotations

import re
from functools import cache

MASK = "***"

# Quantifiers are bounded so that every pattern runs in linear time on any input (a megabyte of
# letters must not backtrack quadratically).
_KEY = (r"(?:[A-Za-z0-9_.-]{0,40}(?:password|passphrase|secret|token)|pass|passwd|pwd|api[_-]?key|private[_-]?key"
        r"|access[_-]?key)")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compiled on first use (an error message, a log line, an instance URL): a request that
    succeeds without logging never needs them, and every API handler imports this module."""
    userinfo = re.compile(r"(?i)(?P<head>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://[^/@:\s?#]{0,256}):"
                          r"(?P<value>[^@/\s?#]{0,1024})@")
    quoted = re.compile(rf"(?i)(?P<head>[\"']{_KEY}[\"']\s*[:=]\s*)(?P<quote>[\"'])(?P<value>(?:\\.|(?!(?P=quote)).)*)"
                        r"(?P=quote)")
    param = re.compile(rf"(?i)(?P<head>(?:^|[?&;,\s({{]){_KEY})(?P<sep>\s*=\s*)(?P<value>[^&;,\s'\")}}]*)")
    return userinfo, quoted, param


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``***`` (keys and user names stay, to say what was hidden)."""
    if not text:
        return text
    userinfo, quoted, param = _patterns()
    text = userinfo.sub(lambda m: f"{m['head']}:{MASK}@" if m["value"] else m[0], text)
    text = quoted.sub(lambda m: f"{m['head']}{m['quote']}{MASK}{m['quote']}", text)
    return param.sub(lambda m: f"{m['head']}{m['sep']}{MASK}" if m["value"] else m[0], text)


def holds_secret(text: str) -> bool:
    """Whether ``text`` (a URL, say) carries something ``redact`` would hide."""
    return redact(text) != text


def truncate(text: str, limit: int = 2000) -> str:
    """Long input echoed in a message is cut, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"
