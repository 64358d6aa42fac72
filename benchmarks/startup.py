"""Ready from the first minute: seconds from starting the web server (gunicorn, one worker,
on a freshly migrated SQLite database with one merchant) to its first successful quote of a
USD invoice, asked for as soon as the port accepts connections and then without pause.

Run: python benchmarks/startup.py [--smoke]
"""

import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, size

sys.path.insert(0, str(ROOT))

from tests.live import LiveGateway  # noqa: E402

RUNS = size(3, 1)
# What an operator sets besides LiveGateway's settings: with DEBUG off the server refuses to
# start without a mail backend.
MAIL = "django.core.mail.backends.locmem.EmailBackend"
INVOICE = {
    "price_amount": "25.00",
    "price_currency": "USD",
    "pay_currency": "USDT",
    "network": "sandbox",
}


def once() -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="gateway-startup-") as folder:
        gateway = LiveGateway(Path(folder), EMAIL_BACKEND=MAIL)
        gateway.manage("migrate", "--noinput")
        key = gateway.create_merchant()
        started = time.perf_counter()
        gateway.start_web()
        try:
            gateway.wait_until_up()
            up = time.perf_counter() - started
            attempts = 0
            while True:
                attempts += 1
                status, _ = gateway.request("POST", "/api/v1/invoices", INVOICE, key)
                if status == 201:
                    return up, time.perf_counter() - started, attempts
                time.sleep(0.01)
        finally:
            gateway.close()


def main():
    print(f"Start to first quote (gunicorn, fresh SQLite database, {RUNS} runs)")
    for run in range(1, RUNS + 1):
        up, quoted, attempts = once()
        print(
            f"  run {run}: port open after {up:5.2f} s, first quote after {quoted:5.2f} s "
            f"({attempts} request{'s' if attempts > 1 else ''})"
        )


if __name__ == "__main__":
    main()
