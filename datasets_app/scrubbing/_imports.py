"""Keep torch/transformers out of scrubbing processes.

presidio-analyzer and thinc import torch and transformers when they are installed (the
training code needs them in the same venv), which costs ~5 s and ~400 MB per process for
nothing: the scrubber uses spaCy on CPU only. While the scrubbing stack is imported and
loaded, those packages are made to look absent; afterwards they import normally again.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Iterator

OPTIONAL_STACKS = ("torch", "transformers")
_lock = threading.RLock()  # re-entered when the engine build loads the lexicon


@contextlib.contextmanager
def without_optional_ml_stacks() -> Iterator[None]:
    with _lock:
        hidden = [name for name in OPTIONAL_STACKS if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # makes "import name" raise ImportError
        try:
            yield
        finally:
            for name in hidden:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
