"""Import leads from a CSV or XLSX file through the gateway, with a progress bar.

    python scripts/import_leads.py leads.xlsx --gateway http://127.0.0.1:8000

Signs in with SFA_EMAIL / SFA_PASSWORD from the environment (or asks for them),
uploads the file to POST /api/v1/lead-imports, follows the import job until it is
done with a progress bar, then prints the per-row error report: the file's line
number (the header is line 1), the field and the reason.

Exit status: 0 when every row was imported (or skipped as already imported), 2 when
the job finished but some rows were refused, 1 when the import could not run.
"""
import argparse
import getpass
import os
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a file: see gateway_cli
from gateway_cli import (  # noqa: E402
    GatewayRefused,
    add_job_options,
    credentials,
    follow_job,
    problem_text,
    sign_in,
)


def upload(session, gateway, token, path):
    with open(path, "rb") as handle:
        answer = session.post(f"{gateway}/api/v1/lead-imports",
                              headers={"Authorization": f"Bearer {token}"},
                              files={"file": (os.path.basename(path), handle)}, timeout=120)
    if answer.status_code != 202:
        raise GatewayRefused(f"The upload was refused: {problem_text(answer)}")
    return answer.json()


def follow(session, gateway, token, job, *, interval, timeout, sleep, out):
    """Follow the import job with a progress bar over its rows."""
    def progress(job):
        return (job.get("processed") or 0, job.get("total") or None,
                {"created": job.get("created", 0),
                 "skipped": job.get("skipped_duplicates", 0),
                 "errors": len(job.get("errors") or [])})
    return follow_job(session, f"{gateway}/api/v1/lead-imports/{job['id']}", token, job,
                      progress=progress, what="import", interval=interval, timeout=timeout,
                      sleep=sleep, out=out, total=job.get("total") or None, unit="row",
                      desc="Importing")


def report(job, out):
    errors = job.get("errors") or []
    print(f"Import {job['id']}: {job.get('status')}; {job.get('total', 0)} rows, "
          f"{job.get('created', 0)} created, {job.get('skipped_duplicates', 0)} already "
          f"imported, {len(errors)} refused.", file=out)
    if errors:
        print("line  field             reason", file=out)
        for error in sorted(errors, key=lambda e: (e.get("line") or 0, e.get("field") or "")):
            print(f"{error.get('line', ''):>4}  {error.get('field') or '':<16}  "
                  f"{error.get('reason', '')}", file=out)
    if job.get("status") == "failed" and job.get("failure"):
        print(f"The import failed: {job['failure']}", file=out)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file of leads")
    add_job_options(parser, timeout=600)
    return parser.parse_args(argv)


def main(argv=None, *, session=None, environ=os.environ, sleep=time.sleep, out=sys.stderr,
         ask_email=input, ask_password=getpass.getpass):
    args = parse_args(argv)
    gateway = args.gateway.rstrip("/")
    session = session or requests.Session()
    try:
        token = sign_in(session, gateway, *credentials(environ, ask_email, ask_password))
        job = upload(session, gateway, token, args.file)
        job = follow(session, gateway, token, job, interval=args.interval,
                     timeout=args.timeout, sleep=sleep, out=out)
    except (GatewayRefused, OSError, requests.RequestException) as error:
        print(f"import_leads: {error}", file=out)
        return 1
    report(job, out)
    if job.get("status") != "done":
        return 1
    return 2 if job.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
