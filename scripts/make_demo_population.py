"""Generate data/demo_population.csv: exercise charts coded by 8 synthetic coders.

Usage: python scripts/make_demo_population.py [--size 2000] [--seed 20260101] [--out PATH]

The population is a pure function of the exercise charts (coderlib.exercises.loader.load_all)
and the seed; a sidecar ``<out>.meta.json`` records the seed, the coder profiles and the chart
ids used so anyone can regenerate and compare.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from coderlib.atomic import write_text
from coderlib.audit.demo import CODERS, DEMO_SEED, DEMO_SIZE, make_population
from coderlib.exercises.loader import load_all
from coderlib.export import write_csv
from coderlib.paths import data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=DEMO_SIZE)
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    parser.add_argument("--out", type=Path, default=data_dir() / "demo_population.csv")
    args = parser.parse_args()
    charts = load_all()
    pop = make_population(charts, size=args.size, seed=args.seed)
    write_csv(pop, args.out)  # atomic, formula-safe (coderlib.export)
    meta = {
        "seed": args.seed,
        "size": args.size,
        "generator": "coderlib.audit.demo.make_population",
        "charts": sorted(c.id for c in charts),
        "coders": [{"name": c.name, "target_code_accuracy": c.accuracy, "habits": c.habits,
                    "volume": c.volume} for c in CODERS],
    }
    write_text(Path(str(args.out) + ".meta.json"), json.dumps(meta, indent=2) + "\n")
    print(f"wrote {len(pop)} encounters from {len(charts)} charts to {args.out} (seed {args.seed})")


if __name__ == "__main__":
    main()
