"""`python -m pipelines.sources update|fetch` (what `make update-sources` runs)."""
from __future__ import annotations

import argparse
import sys

from pipelines.config import Settings
from pipelines.sources.fetch import SourceError, fetch_all, update_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sources",
        description="Download the external sources in raw/sources.toml, pinned by raw/sources.lock.json.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "update",
        help="re-download every source and rewrite the lock (accepts new versions)",
    )
    commands.add_parser(
        "fetch",
        help="fetch every source into the cache, verified against the lock; print names and hashes",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        fetched = update_sources(settings) if args.command == "update" else fetch_all(settings)
    except SourceError as exc:
        # The messages already say which source, where from and what to do; a traceback would bury that.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for source in fetched.values():
        print(f"{source.name}\t{source.version}\tsha256:{source.sha256}\t{source.path}")
        for member, digest in sorted(source.inner_sha256.items()):
            print(f"  {member}\tsha256:{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
