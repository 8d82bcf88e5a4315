"""Recompute the stored company-name keys after the normalisation rules changed.

    MONGO_URI=mongodb://... python scripts/rekey_company_names.py [--prefix channel_sfa_]

Rewrites accounts' and competitors' ``normalised_name`` (opportunities database) and
leads' and registrations' ``normalised_company`` (leads database) where the current
``sfa_common.company_names`` rules give another key, so candidate selection and the
duplicate check find old records again. Safe to run twice and while services run (each
record is rewritten on its own). Prints one line per collection.

Exit status: 0 when every key is current, 1 when a unique index kept some on the old
key (their ids are printed: two competitors the new rules see as one).
"""
import argparse
import os
import sys

from sfa_common.company_rekey import STORED_KEYS, rekey
from sfa_common.mongo import connect, database


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI"),
                        help="default: MONGO_URI")
    parser.add_argument("--prefix", default="channel_sfa_",
                        help="database name prefix (default: channel_sfa_)")
    args = parser.parse_args(argv)
    if not args.mongo_uri:
        parser.error("set MONGO_URI or pass --mongo-uri")
    client = connect(args.mongo_uri)
    refused = 0
    for service, collection, name_field, key_field in STORED_KEYS:
        db = database(client, args.prefix + service)
        done = rekey(db[collection], name_field, key_field)
        refused += len(done.refused)
        print(f"{service}.{collection}: {done.seen} records, {done.changed} keys rewritten"
              + (f", kept on the old key: {done.refused}" if done.refused else ""))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
