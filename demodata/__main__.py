"""python -m demodata --out DIR [--county 370323] [--size small|large] [--seed 1]
[--delivery province|zhejiang|clean]"""
import argparse
import json

from qgis.core import QgsApplication

from .county import DELIVERIES, SIZES, generate_county


def main():
    parser = argparse.ArgumentParser(prog="python -m demodata", description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--county", default="370323", choices=["370323", "140827", "140928"])
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--delivery", default="province", choices=DELIVERIES)
    args = parser.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    result = generate_county(args.out, args.county, args.size, args.seed, args.delivery)
    print(json.dumps({k: result[k] for k in ("redlines", "layers", "extras", "patches", "batches", "photos_dir",
                                             "verification_xlsx", "counts")},
                     ensure_ascii=False, indent=1))
    app.exitQgis()


if __name__ == "__main__":
    main()
