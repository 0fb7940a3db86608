"""Object storage: a data package of 100,000 and 1,000,000 rows written to and read back from
an S3 bucket, and the memory of the process that serves the download.

    .venv/bin/python bench/storage.py            # full run (100,000 and 1,000,000 rows)
    .venv/bin/python bench/storage.py --smoke    # seconds; what CI runs

Starts moto's S3 server (requirements-dev.txt) on a free port of 127.0.0.1 and a bucket, as
.ci/run does for the second leg. For each size, in this order:

1. a child process writes the package as the worker does: a ZIP (deflate, level 1) of the
   rows as JSON and as CSV, encrypted chunk by chunk (dsr/fulfilment/streams.EncryptedUpload)
   and sent to the bucket as a multipart upload under a pending name, then renamed inside the
   bucket (dsr/storage.py). It reports its time and peak RSS.
2. another child process serves it as the subject's download does
   (dsr/fulfilment/views.package_download): a StreamingHttpResponse over
   `stored_chunks(name)`, whose body is consumed chunk by chunk as a WSGI server would; the
   ZIP is checked (its SHA-256 against the writer's). It reports the peak RSS of the whole
   process (VmHWM), its RSS before the download and the time.

The two download peaks must be within 20% of each other: memory does not grow with the
package. The view's two database queries (find and count the package) are not part of it.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/ (bench/queue.py would hide the standard library's queue)
BUCKET = "dsr-bench"


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; not ru_maxrss, inherited through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def storage_environment(port: int, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "0" * 40),
        "DSR_ENCRYPTION_KEYS": os.environ.get(
            "DSR_ENCRYPTION_KEYS", "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU="
        ),
        "DSR_VAR_DIR": var_dir,
        "DSR_STORAGE_URL": f"s3://{BUCKET}/desk",
        "DSR_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "DSR_S3_REGION": "us-east-1",
        "DSR_S3_ACCESS_KEY_ID": "bench",
        "DSR_S3_SECRET_ACCESS_KEY": "bench",
        "DSR_S3_ADDRESSING_STYLE": "path",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def setup_django() -> None:
    import django

    django.setup()


# --- the children ----------------------------------------------------------------------------


def child_write(rows: int) -> dict:
    """Write the package of `rows` rows as the worker does; report time and memory."""
    import csv
    import io
    import zipfile

    setup_django()
    from dsr.fulfilment.streams import EncryptedUpload

    # Readings as a meter sends them: a time every 15 minutes, values that vary (a package of
    # identical rows would compress to nothing and prove little).
    noise = random.Random(rows)
    start = datetime(2020, 1, 1)

    def stamp(n: int) -> str:
        return (start + timedelta(minutes=15 * n)).isoformat()

    started = time.perf_counter()
    upload = EncryptedUpload()
    with zipfile.ZipFile(
        upload.stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
    ) as archive:
        with archive.open("platform/power_readings.json", "w", force_zip64=True) as entry:
            text = io.TextIOWrapper(io.BufferedWriter(entry, 1 << 16), encoding="utf-8")
            text.write("[")
            for n in range(rows):
                text.write(
                    ("\n" if not n else ",\n")
                    + json.dumps(
                        {
                            "measured_at": stamp(n),
                            "watts": noise.randint(0, 4000),
                            "kwh_total": round(n / 4 + noise.random(), 6),
                        }
                    )
                )
            text.write("\n]\n")
            text.flush()
            text.detach()
        with archive.open("platform/power_readings.csv", "w", force_zip64=True) as entry:
            text = io.TextIOWrapper(io.BufferedWriter(entry, 1 << 16), encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(["measured_at", "watts", "kwh_total"])
            for n in range(rows):
                writer.writerow(
                    [stamp(n), noise.randint(0, 4000), round(n / 4 + noise.random(), 6)]
                )
            text.flush()
            text.detach()
    multipart = upload._writer is not None and upload._writer.multipart
    name = upload.save(f"packages/1/bench-{rows}.zip.enc")
    return {
        "name": name,
        "plaintext_bytes": upload.stream.plaintext_bytes,
        "sha256": upload.stream.plaintext_sha256.hexdigest(),
        "multipart": multipart,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def child_download(name: str) -> dict:
    """Serve the package as the download view does; report the process's memory."""
    import hashlib

    setup_django()
    from django.core.files.storage import default_storage
    from django.http import StreamingHttpResponse

    from dsr.fulfilment.streams import stored_chunks

    object_bytes = default_storage.size(name)
    before = rss_mb()
    started = time.perf_counter()
    response = StreamingHttpResponse(stored_chunks(name), content_type="application/zip")
    digest = hashlib.sha256()
    sent = 0
    for block in response:  # what the WSGI server does with the body
        digest.update(block)
        sent += len(block)
    response.close()
    return {
        "object_bytes": object_bytes,
        "sent_bytes": sent,
        "sha256": digest.hexdigest(),
        "seconds": round(time.perf_counter() - started, 2),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


# --- the parent ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_moto(port: int) -> subprocess.Popen:
    binary = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(  # our own local server
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(60):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("moto's S3 server did not answer")
    import boto3

    boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 — moto's, local
    ).create_bucket(Bucket=BUCKET)
    return process


def run_child(mode: str, argument: str, environment: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, argument],
        env=environment,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, seconds")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, argument = args.child
        figures = child_write(int(argument)) if mode == "write" else child_download(argument)
        print(json.dumps(figures))
        return

    small, large = (2_000, 20_000) if args.smoke else (100_000, 1_000_000)
    port = free_port()
    moto = start_moto(port)
    try:
        with tempfile.TemporaryDirectory(prefix="dsr-bench-storage-") as var_dir:
            environment = storage_environment(port, var_dir)
            figures: dict = {"bench": "storage", "smoke": args.smoke}
            for label, rows in (("small", small), ("large", large)):
                written = run_child("write", str(rows), environment)
                served = run_child("download", written["name"], environment)
                if served["sha256"] != written["sha256"]:
                    raise RuntimeError(f"{label}: the download is not the package written")
                figures[label] = {"rows": rows, "write": written, "download": served}
            low = figures["small"]["download"]["peak_rss_mb"]
            high = figures["large"]["download"]["peak_rss_mb"]
            figures["download_peak_ratio"] = round(high / low, 3)
            figures["download_peaks_within_20_percent"] = high <= low * 1.2
            print(json.dumps(figures))
    finally:
        moto.kill()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
