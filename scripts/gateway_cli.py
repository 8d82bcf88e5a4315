"""What the command-line tools share: signing in to the gateway, reading its problem
answers, and following a background job with a progress bar until it finishes.

The tools run as files (``python scripts/import_leads.py``), so each puts this
directory on ``sys.path`` before importing this module.
"""
import os
import time

from tqdm import tqdm

DEFAULT_GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
FINISHED = ("done", "failed")


class GatewayRefused(Exception):
    """The gateway refused something; the message says what."""


def add_job_options(parser, timeout):
    """The options every job-following command takes: where the gateway is, how often
    to check progress and when to give up (``timeout`` seconds by default)."""
    parser.add_argument("--gateway", default=DEFAULT_GATEWAY,
                        help=f"the gateway's base URL (default {DEFAULT_GATEWAY})")
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between progress checks (default 0.5)")
    parser.add_argument("--timeout", type=float, default=timeout,
                        help="give up following the job after this many seconds")


def problem_text(response):
    """A problem+json answer as one line: its detail and the fields it names."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") or body.get("title") or f"HTTP {response.status_code}"
    errors = body.get("errors") or {}
    named = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return f"{detail} ({named})" if named else detail


def credentials(environ, ask_email, ask_password):
    email = environ.get("SFA_EMAIL") or ask_email("Email: ")
    password = environ.get("SFA_PASSWORD") or ask_password("Password: ")
    return email, password


def sign_in(session, gateway, email, password):
    answer = session.post(f"{gateway}/api/v1/auth/sign-in",
                          json={"email": email, "password": password}, timeout=10)
    if answer.status_code != 200:
        raise GatewayRefused(f"Sign-in failed: {problem_text(answer)}")
    return answer.json()["access_token"]


def follow_job(session, url, token, job, *, progress, what, interval, timeout, sleep, out,
               **bar):
    """Poll the job at ``url`` until it is done or failed. ``progress(job)`` gives
    ``(done, total, postfix)`` for the bar; ``what`` names the job in messages."""
    deadline = time.monotonic() + timeout
    with tqdm(file=out, **bar) as shown:
        while True:
            done, total, postfix = progress(job)
            if total is not None and shown.total != total:
                shown.total = total
                shown.refresh()
            shown.update(max(0, done - shown.n))
            if postfix:
                shown.set_postfix(**postfix)
            if job.get("status") in FINISHED:
                return job
            if time.monotonic() > deadline:
                raise GatewayRefused(f"The {what} {job['id']} was still {job.get('status')} "
                                     f"after {timeout:g} s; ask again later.")
            sleep(interval)
            answer = session.get(url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=10)
            if answer.status_code != 200:
                raise GatewayRefused(f"Could not read the {what}: {problem_text(answer)}")
            job = answer.json()
