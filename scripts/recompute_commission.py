"""Recompute a commission period through the gateway, with a progress bar.

    python scripts/recompute_commission.py 2026-11 --gateway http://127.0.0.1:8000

Signs in with SFA_EMAIL / SFA_PASSWORD from the environment (or asks for them; a sales
ops account), starts the recompute with POST /api/v1/commission/periods/PERIOD/recompute
and follows the job (payees done of total) until it is done. A recompute writes deltas
only: running it twice writes nothing the second time.

Exit status: 0 when the recompute finished, 1 when it failed or could not run.
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


def start(session, gateway, token, period):
    answer = session.post(f"{gateway}/api/v1/commission/periods/{period}/recompute",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if answer.status_code not in (200, 201, 202):
        raise GatewayRefused(f"The recompute was refused: {problem_text(answer)}")
    return answer.json()


def follow(session, gateway, token, job, *, interval, timeout, sleep, out):
    """Follow the recompute job with a progress bar over its payees."""
    def progress(job):
        return (job.get("payees_done") or 0, job.get("payees_total"),
                {"lines": job.get("lines_written", 0)})
    return follow_job(session, f"{gateway}/api/v1/commission/recomputes/{job['id']}", token,
                      job, progress=progress, what="recompute", interval=interval,
                      timeout=timeout, sleep=sleep, out=out,
                      total=job.get("payees_total") or None, unit="payee",
                      desc=f"Recomputing {job.get('period', '')}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("period", help="the period to recompute, as YYYY-MM (e.g. 2026-11)")
    add_job_options(parser, timeout=1800)
    return parser.parse_args(argv)


def main(argv=None, *, session=None, environ=os.environ, sleep=time.sleep, out=sys.stderr,
         ask_email=input, ask_password=getpass.getpass):
    args = parse_args(argv)
    gateway = args.gateway.rstrip("/")
    session = session or requests.Session()
    try:
        token = sign_in(session, gateway, *credentials(environ, ask_email, ask_password))
        job = start(session, gateway, token, args.period)
        job = follow(session, gateway, token, job, interval=args.interval,
                     timeout=args.timeout, sleep=sleep, out=out)
    except (GatewayRefused, requests.RequestException) as error:
        print(f"recompute_commission: {error}", file=out)
        return 1
    print(f"Recompute {job['id']} of {job.get('period')}: {job.get('status')}; "
          f"{job.get('payees_done', 0)} of {job.get('payees_total', 0)} payees, "
          f"{job.get('lines_written', 0)} lines written.", file=out)
    if job.get("status") != "done":
        if job.get("error"):
            print(f"The recompute failed: {job['error']}", file=out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
