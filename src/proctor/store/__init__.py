"""The store: runs, samples, scores and cached responses in SQLite or PostgreSQL.

`Store` reads and writes; `StoreWriter` batches the engine's writes on a
background thread. The schema is migrated with Alembic when a store is opened.
"""

from proctor.store._records import CacheEntry, RunRecord, SampleRecord, ScoreRecord
from proctor.store._schema import SCHEMA_HEAD
from proctor.store._store import Store, new_run_id
from proctor.store._writer import StoreWriter

__all__ = [
    "SCHEMA_HEAD",
    "CacheEntry",
    "RunRecord",
    "SampleRecord",
    "ScoreRecord",
    "Store",
    "StoreWriter",
    "new_run_id",
]
