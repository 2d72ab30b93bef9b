"""The whole gateway behind a decision-path process: what the decision path does not serve (the client's
file, intake, reviews, the API's documentation) is forwarded to it over a keep-alive HTTP pool.

Why forward rather than send callers to two addresses: the API keeps one address, one admission (keys,
rate limits and lockouts are checked here, once) and one documentation, while the decision path runs in
processes that load none of the client file's libraries (gateway.api.decision_app).
"""

from __future__ import annotations

import httpx
from fastapi import HTTPException, Request, Response, status

from gateway.api.schemas import DependencyOut

#: Headers that describe one connection, not the request or answer: never passed on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",  # httpx hands over the decoded body
    }
)
#: Every method a route of the whole gateway may take.
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ClientFileForwarder:
    """Forwards requests to the whole gateway at `url` and answers what it answers."""

    def __init__(self, url: str, timeout: float, retry_after_seconds: int) -> None:
        self.url = url
        self.retry_after = str(retry_after_seconds)
        self._client = httpx.AsyncClient(base_url=url, timeout=timeout)

    async def forward(self, request: Request) -> Response:
        """The whole gateway's answer to `request` (503 with Retry-After when it cannot be reached)."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = [(k, v) for k, v in request.headers.raw if k.decode("latin-1").lower() not in HOP_BY_HOP]
        try:
            answer = await self._client.request(
                request.method, target, headers=headers, content=await request.body()
            )
        except httpx.HTTPError as error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "the client's file is unavailable",
                headers={"Retry-After": self.retry_after},
            ) from error
        response = Response(answer.content, answer.status_code)
        for name, value in answer.headers.multi_items():
            if name.lower() not in HOP_BY_HOP:
                response.headers.append(name, value)
        return response

    async def health(self, timeout: float) -> DependencyOut:
        """Whether the whole gateway answers its liveness probe."""
        try:
            answer = await self._client.get("/v1/health/live", timeout=timeout)
        except httpx.HTTPError as error:
            return DependencyOut(ok=False, detail=type(error).__name__)
        return DependencyOut(ok=answer.status_code == 200, detail=f"HTTP {answer.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
