#!/usr/bin/env python3
"""Set up a PostGIS database for bureau mode: the three group roles (lep_county, lep_township,
lep_reviewer), the township mapping table, and the logins of the people on the batch.

    postgis_roles.py --connection service=bureau --admin lep_admin --county wang \
        --township li=370323101000 --township zhao=370323102000 --reviewer city_review

--admin names the bureau administrator login that creates and uploads tasks (it may create
schemas in the database and owns the tasks it creates; no superuser needed, and the only login
besides a superuser that can delete audit rows). New logins have no password: set one in psql
with `\\password <login>` (never in a location or on a command line).

--connection is `service=<name>` (libpq service file / ~/.pgpass hold the credentials) or the
name of a PostgreSQL connection saved in QGIS; it must be able to create roles. Run it again to
add people or to move a township login to another township. No password is read or written.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from land_enforcement_plugin.core.store.postgis_security import set_up_roles  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connection", required=True)
    parser.add_argument("--county", action="append", default=[], help="a county staff login")
    parser.add_argument("--township", action="append", default=[], metavar="LOGIN=XZQDM",
                        help="a township staff login and its 12-digit township code")
    parser.add_argument("--reviewer", action="append", default=[], help="a read-only (city bureau) login")
    parser.add_argument("--admin", action="append", default=[],
                        help="a bureau administrator login (creates and uploads tasks, owns them)")
    args = parser.parse_args(argv)
    townships = dict(item.split("=", 1) for item in args.township)
    set_up_roles(args.connection, args.county, townships, args.reviewer, args.admin)
    print(f"roles ready: {len(args.admin)} administrator, {len(args.county)} county, {len(townships)} township, "
          f"{len(args.reviewer)} reviewer logins")


if __name__ == "__main__":
    main()
