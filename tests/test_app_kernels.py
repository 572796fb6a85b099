"""The Voilà kernel manager: a kernel just handed out of the pre-heated pool is not culled
before its page connects; once its tab has gone it is culled as usual."""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from coderlib.ui.kernels import GraceCullingKernelManager


def test_grace_for_a_kernel_that_has_not_connected(monkeypatch) -> None:
    culled: list[str] = []

    async def cull(self, kernel_id):  # the stock culler: would shut the kernel down
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", cull)
    km = GraceCullingKernelManager(cull_idle_timeout=60)
    asyncio.run(km.cull_kernel_if_idle("k1"))  # handed to a page, not connected yet
    assert culled == []
    km._kernel_connections["k1"] = 1  # the page connected
    asyncio.run(km.cull_kernel_if_idle("k1"))
    km._kernel_connections["k1"] = 0  # the tab closed: the stock rule decides
    asyncio.run(km.cull_kernel_if_idle("k1"))
    assert culled == ["k1", "k1"]
    km.cull_idle_timeout = 0  # a kernel never connected is culled after one timeout
    asyncio.run(km.cull_kernel_if_idle("k2"))
    assert culled[-1] == "k2"
