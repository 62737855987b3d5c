"""Table definitions, one module per area; all share `metadata`.

Every table is keyed by `sdkappid` first: one app can never reach another's rows.
"""

import importlib
import pkgutil

from confab.store.tables.base import metadata

# Import every area module so that `metadata` knows all tables (used by tests and tooling).
for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["metadata"]
