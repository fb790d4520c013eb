"""The app uvicorn serves (`create_app` with settings from the environment), and serving it."""

from __future__ import annotations

import socket

from fastapi import FastAPI

from callscope.entrypoints.http.app import create_app
from callscope.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run uvicorn (uvloop + httptools) on the app built from `settings`; with several
    workers, each worker process builds its own app from the environment's settings, all
    workers accepting on one listening socket."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from callscope.logs import configure

    configure(settings.log_level)
    config = uvicorn.Config(
        create_app(settings) if workers == 1 else "callscope.entrypoints.http.factory:app",
        factory=workers != 1,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,  # our own request log leaves out query strings (phone numbers)
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level.lower(),
    )
    sock = listening_socket(host, port)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port), created with proto IPPROTO_TCP. uvicorn's own
    (`Config.bind_socket`) has proto 0, and asyncio turns Nagle's algorithm off only on
    sockets whose proto is TCP: every worker's answer then waited ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
