import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Amends (web UI and API) with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST", "127.0.0.1"),
            help="address to listen on (default: $HOST or 127.0.0.1)",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="port to listen on (default: $PORT or 8000)",
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="processes (default 2: one per core here)"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per process")
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args, host, port, workers, threads, no_migrate, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        from gunicorn.app.base import BaseApplication

        from amends.wsgi import application

        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", [bind])
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
                self.cfg.set("accesslog", os.environ.get("AMENDS_ACCESS_LOG") or None)
                self.cfg.set("timeout", 60)
                self.cfg.set("proc_name", "amends")
                self.cfg.set("control_socket_disable", True)

            def load(self):
                return application

        self.stdout.write(f"Amends is serving on http://{host}:{port}/  (Ctrl+C stops it)")
        Server().run()
