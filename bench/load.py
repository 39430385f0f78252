"""A small closed-loop HTTP load generator: N client processes, each one request at a time."""

import http.client
import json
import multiprocessing
import statistics
import time
from urllib.parse import urlsplit


def _client(url: str, bodies: list[bytes], seconds: float, queue, headers: dict | None = None) -> None:
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    index = 0
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    while time.perf_counter() < deadline:
        body = bodies[index % len(bodies)]
        index += 1
        started = time.perf_counter()
        try:
            connection.request(
                "POST", parts.path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
            )
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 201):
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
        latencies.append(time.perf_counter() - started)
    connection.close()
    queue.put((latencies, errors))


def run_load(url: str, payloads: list[dict], clients: int, seconds: float, headers: dict | None = None) -> dict:
    """Send *payloads* in a loop from *clients* processes for *seconds*; return throughput and latency."""
    bodies = [json.dumps(p).encode() for p in payloads]
    queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(url, bodies, seconds, queue, headers)) for _ in range(clients)
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(latency for result in results for latency in result[0])
    errors = sum(result[1] for result in results)
    return {
        "latencies": latencies,
        "requests": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
    }
