"""Shared test set-up: `tests/` on sys.path for helper modules such as openai_server."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
