"""`proctor catalog`: the off-the-shelf benchmarks Proctor can run by name."""

from __future__ import annotations

from proctor.cli._common import console, handle_errors


@handle_errors
def catalog() -> None:
    """List the catalog benchmarks (run one with `proctor run NAME[:ARG] --data PATH`)."""
    from rich.table import Table
    from rich.text import Text

    from proctor.catalog import catalog_entries

    table = Table(title="Catalog", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("description")
    for name, description in catalog_entries():
        table.add_row(Text(name), Text(description))
    out = console()
    out.print(table)
    out.print("run one: proctor run NAME[:ARG] --model SPEC --data PATH [--shots K]")
