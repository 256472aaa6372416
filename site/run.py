"""`make run`: prints where to go, then runs daphne in the foreground.

Ctrl-C or SIGTERM stops it cleanly (daphne handles both). When Elasticsearch is
configured, the search worker runs beside it and stops with it.
"""

import argparse
import os
import signal
import subprocess
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings.dev")
    password = os.environ.get("STAFFROOM_DEMO_PASSWORD", "staffroom-demo")
    base = f"http://{args.host}:{args.port}"
    print(f"""
Staffroom kjører på {base}/
  Admin (Wagtail): {base}/admin/
  Demo-innlogging på {base}/accounts/login/ med passordet «{password}»:
    redaktor (redaktør), moderator, kari og ola (lærere i Brøkgruppa)
Stopp med Ctrl-C.
""", flush=True)
    worker = None
    if os.environ.get("ELASTICSEARCH_URL"):
        worker = subprocess.Popen([sys.executable, "manage.py", "search_worker"])
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", args.host, "-p", str(args.port),
                               "staffroom.asgi:application"])

    def stop(signum, frame):
        for proc in (server, worker):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = server.wait()
    if worker:
        worker.terminate()
        worker.wait(timeout=10)
    sys.exit(0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code)


if __name__ == "__main__":
    main()
