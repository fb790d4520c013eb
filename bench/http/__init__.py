"""HTTP load on loopback: callscope's endpoints against a bare ASGI app on the same server."""
