"""python -m demodata --out DIR --county 370323 --size small|large --seed 1"""
import argparse
import json
import sys
import time

from .generator import SIZES, generate_county


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m demodata", description="Write a deterministic demo county.")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--county", default="370323", help="6-digit county code (370323, 140827, 140928)")
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--boundary", help="county outline file (lon/lat); default: the shared counties folder")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = generate_county(args.out, county_code=args.county, size=args.size, seed=args.seed,
                             boundary=args.boundary)
    seconds = time.perf_counter() - started
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"{result['county_name']} {result['county_code']} ({args.size}, seed {args.seed}) in {seconds:.1f} s")
    print(f"redlines      {result['redlines']}")
    print(f"patches       {result['patches']}")
    print(f"verification  {result['verification']}")
    print(f"photos        {result['photos_dir']} ({len(result['photos'])} files)")
    print("counts        " + ", ".join(f"{k}={v}" for k, v in result["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
