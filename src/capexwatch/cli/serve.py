"""The web face: ``serve`` (dashboard and JSON API on a local port; extra ``web``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import click

__all__ = ["serve"]

LOOPBACK_HOSTS = ("localhost",)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Server processes sharing the port. More serve more requests at once on a machine with idle "
    "cores; each keeps its own memo of answers, so each computes an answer once per store change.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in the default browser.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host: the server has no authentication, anyone who reaches it can read the store.",
)
def serve(host: str, port: int, workers: int, open_browser: bool, allow_remote: bool) -> None:
    """Serve the dashboard and the JSON API (/api/v1) on a local port.

    Pages: overview with an as-of picker, a page per company with each figure's source, the signals
    board and backtest, and scenarios (run, watch progress, cancel; runs saved). Answers are kept
    until the store changes; the store is opened read-only only to compute one, so `capexwatch
    update` can run at the same time.
    """
    try:
        import uvicorn

        from capexwatch.web.app import create_app
    except ImportError as exc:
        raise click.UsageError(
            f"The web server needs the `web` extra ({exc.name} is missing): pip install 'capexwatch[web]'."
        ) from None
    if not is_loopback(host):
        if not allow_remote:
            raise click.BadParameter(
                f"{host} is not a loopback address; the server has no authentication. "
                "Add --allow-remote to listen there anyway.",
                param_hint="--host",
            )
        click.echo(
            f"Warning: listening on {host}: anyone who can reach this address can read the store and run "
            "simulations (there is no authentication).",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host

    def announce(bound: int) -> None:
        url = f"http://{shown}:{bound}/"
        click.echo(f"capexwatch serving {url} (API: {url}api/v1/openapi.json); Ctrl-C to stop.")
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    if workers > 1:
        _serve_processes(host, port, workers, announce)
        return
    app = create_app()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    async def wait_and_announce() -> None:
        import asyncio

        while not server.started:
            await asyncio.sleep(0.05)
        announce(server.servers[0].sockets[0].getsockname()[1] if server.servers else port)

    async def main() -> None:
        import asyncio

        task = asyncio.create_task(wait_and_announce())
        await server.serve()
        task.cancel()

    import asyncio

    asyncio.run(main())


def _serve_processes(host: str, port: int, workers: int, announce: Callable[[int], None]) -> None:
    """Uvicorn's supervisor: *workers* processes accept on one socket bound here (so ``--port 0``
    names one port for all). A missing store is created here first (one write), not by each."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from capexwatch.web._store import StoreAccess

    access = StoreAccess()
    if not access.path.exists():
        access.ensure()
    config = uvicorn.Config(
        "capexwatch.web.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    sock = config.bind_socket()
    # listening now, so that connections made before the workers have started wait in the backlog
    sock.listen(config.backlog)
    announce(sock.getsockname()[1])
    try:
        supervisor = Multiprocess(config, sockets=[sock])
    except TypeError:  # older uvicorn releases also take the worker function
        supervisor = Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock])  # type: ignore[call-arg]
    supervisor.run()
