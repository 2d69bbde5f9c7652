"""The baseline: the same websocket fan-out as the app, without database or rendering.

Litestar's ChannelsPlugin with the memory backend, a socket that subscribes before
accept and forwards in the background (as `app.live.socket.board_socket`), and a POST that
numbers the edit and publishes a fixed-size fragment carrying that number (as the app's
`#board-seq`). The harness drives it exactly as it drives the app.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from litestar import Litestar, Request, Response, WebSocket, post, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.exceptions import WebSocketDisconnect


def create_relay() -> Litestar:
    channels = ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
    seqs: defaultdict[int, int] = defaultdict(int)

    @post("/r/{board:int}/edit")
    async def edit(request: Request, board: int) -> Response:
        form = await request.form()
        seqs[board] += 1
        head = f'<article id="card-{seqs[board]}" hx-swap-oob="true"><p>{escape(str(form.get("text")))}</p><p hidden>'
        tail = f'</p></article><div id="board-seq" data-seq="{seqs[board]}" hidden hx-swap-oob="true"></div>'
        # Padded to the size the harness asks for: the app's mean message size.
        html = head + "x" * max(0, int(form.get("size") or 0) - len(head) - len(tail)) + tail
        await channels.wait_published(html, [f"board.{board}"])
        return Response(html, media_type="text/html", status_code=200)

    @websocket("/r/{board:int}/ws")
    async def board_socket(socket: WebSocket, board: int) -> None:
        async with channels.start_subscription([f"board.{board}"]) as subscriber:
            await socket.accept()
            try:
                async with subscriber.run_in_background(socket.send_data, join=False):
                    while True:
                        await socket.receive_data(mode="text")
            except WebSocketDisconnect:
                pass

    return Litestar(route_handlers=[edit, board_socket], plugins=[channels], openapi_config=None)
