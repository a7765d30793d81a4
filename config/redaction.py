"""Reasons people read name files, never the server's folders (issue 10 point 6).

Exceptions from storage, the scrubber or the trainer often carry absolute paths
("[Errno 2] No such file or directory: '/srv/accord/var/runs/17/...'"). Services that store
such a message as a reason shown in the UI or the API pass it through `without_server_paths`;
the full message stays in the server log.
"""
from __future__ import annotations

import re

# An absolute POSIX path of two or more parts, not inside a URL or a word ("text/label" stays).
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s'\"`:/<>|]+/)+([^\s'\"`:/<>|]*)")


def without_server_paths(text: str) -> str:
    """Replace every absolute path by its last part: '/srv/x/runs/17/model.bin' -> '…/model.bin'."""
    return _ABSOLUTE_PATH.sub(lambda m: f"…/{m.group(1)}" if m.group(1) else "…/", text)
