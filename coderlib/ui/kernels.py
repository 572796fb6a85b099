"""The Voilà kernel manager of ``make app``: idle kernels are culled, but a kernel just handed
to a page from the pre-heated pool gets time to connect first.

Voilà never culls a kernel while it waits in the pool; once a page takes it, the stock culler
sees a kernel idle since it was pre-heated, with no connection yet, and may shut it down
before the page's websocket arrives (the page then shows "Kernel does not exist"). This
manager culls such a never-connected kernel only after ``cull_idle_timeout`` seconds from the
moment it left the pool; kernels whose tab has gone are culled as usual.
"""

from __future__ import annotations

import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class GraceCullingKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` whose culler spares kernels that have not connected yet
    for one ``cull_idle_timeout`` (configured in ``voila.json``)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._connected_once: set[str] = set()
        self._waiting_since: dict[str, float] = {}

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull ``kernel_id`` if idle, unless it is waiting for its first connection."""
        if self._kernel_connections.get(kernel_id, 0):
            self._connected_once.add(kernel_id)
            self._waiting_since.pop(kernel_id, None)
        elif kernel_id not in self._connected_once:
            since = self._waiting_since.setdefault(kernel_id, time.monotonic())
            if time.monotonic() - since < self.cull_idle_timeout:
                return None
        return await super().cull_kernel_if_idle(kernel_id)
