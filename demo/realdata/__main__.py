"""``python -m demo.realdata [SOURCE_DIR] [--out data]``: regenerate the real-data packs and recordings."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from city.citypack import load_city_pack
from demo.realdata import chicago, porto
from demo.realdata.common import default_source

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=default_source(),
                        help="the shared data folder (default: ../shared/data from the repository)")
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="where the packs go (default: data/)")
    parser.add_argument("--day", type=date.fromisoformat, default=chicago.DAY, help="the Chicago day (YYYY-MM-DD)")
    parser.add_argument("--district", help="the district whose beat cars are simulated (default: the busiest)")
    args = parser.parse_args(argv)
    counts = chicago.build(args.source, args.out, day=args.day, district=args.district)
    pack = load_city_pack(args.out / "chicago")
    print(f"{args.out / 'chicago'}: {len(pack.zones)} beats, {len(pack.units)} units; {counts}")
    counts = porto.build(args.source, args.out)
    pack = load_city_pack(args.out / "porto")
    print(f"{args.out / 'porto'}: {len(pack.zones)} zones, {len(pack.vehicles)} taxis; {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
