"""A lean HTTP/1.1-over-TLS load client for benchmarks (httpx costs more CPU than the server).

Keep-alive connections, one request in flight per connection, Content-Length bodies only.
"""

from __future__ import annotations

import asyncio
import ssl
import time


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int, context: ssl.SSLContext) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, ssl=context,
                                                       server_hostname=host)
        return cls(reader, writer, host)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}", "Content-Type: application/json",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def closed_loop(host: str, port: int, context: ssl.SSLContext, path: str,
                      make_body: object, headers: dict[str, str], connections: int,
                      seconds: float) -> tuple[int, int]:
    """As many requests as the server takes, for ``seconds``: (acknowledged, failed)."""
    done = failed = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done, failed
        conn = await Connection.open(host, port, context)
        try:
            while time.perf_counter() < deadline:
                status, _ = await conn.post(path, make_body(), headers)  # type: ignore[operator]
                if status == 202:
                    done += 1
                else:
                    failed += 1
        finally:
            conn.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return done, failed


async def open_loop(host: str, port: int, context: ssl.SSLContext, path: str,
                    make_body: object, headers: dict[str, str], rate: float, seconds: float,
                    connections: int = 64) -> list[float]:
    """Requests started on a fixed schedule (``rate``/s); latency of each, from its start time
    (so a stalled server is charged for the requests that waited: no coordinated omission)."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(host, port, context))
    latencies: list[float] = []
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one(scheduled: float) -> None:
        conn = await pool.get()
        status, _ = await conn.post(path, make_body(), headers)  # type: ignore[operator]
        latencies.append(time.perf_counter() - scheduled)
        pool.put_nowait(conn)
        if status != 202:
            raise RuntimeError(f"status {status}")

    tasks = []
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return latencies
