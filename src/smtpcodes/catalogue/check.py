"""Validate catalogue source files: ``python -m smtpcodes.catalogue.check [FILE ...]``."""

from __future__ import annotations

import sys
from pathlib import Path

from smtpcodes._errors import CatalogueError
from smtpcodes.catalogue._compile import DATA_DIR, load_entry_file, load_pair_file, source_files


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or list(source_files())
    failed = 0
    for path in paths:
        part = path.resolve().relative_to(DATA_DIR.resolve()).parts[0]
        if part in ("phrases", "transcripts"):
            continue
        try:
            (load_pair_file if part == "pairs" else load_entry_file)(path)
        except CatalogueError as exc:
            failed += 1
            sys.stderr.write(f"{exc}\n")
    sys.stdout.write(f"{len(paths) - failed} ok, {failed} failed\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
