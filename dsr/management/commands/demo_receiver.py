"""`python manage.py demo_receiver`: the demo controllers' systems behind the http sources."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dsr.demo import receiver


class Command(BaseCommand):
    help = "Serve the demo systems that the demo's http data sources call (127.0.0.1:8719)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=receiver.DEMO_RECEIVER_HOST)
        parser.add_argument("--port", type=int, default=receiver.DEMO_RECEIVER_PORT)

    def handle(self, *args: object, host: str, port: int, **options: object) -> None:
        server = receiver.serve(host, port)
        self.stdout.write(f"Demo receiver on http://{host}:{port}/ (Ctrl-C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
