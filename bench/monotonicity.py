"""Monotone risk and the offer on the served model: does the probability ever fall as the loan grows,
and how long does "what could we lend?" take?

`python -m bench.monotonicity [--data DIR]` runs what `make demo` runs on `DIR`, waits until it is ready,
then for `--clients` training clients asks the what-if (`POST /v1/clients/{id}/simulation`) at 0.25x,
0.5x, 0.75x, 1x, 1.5x, 2x, 3x and 4x the client's credit, the annuity scaled alike (the term kept), and
reports:
- the clients whose probability falls by more than 0.1 point somewhere as the amount grows (goal 0);
- the clients whose probability rises by 0.1 point or more from 0.25x to 4x (goal: at least half):
  the risk must react to the loan, not be flattened by dropping the amount features;
- `GET /v1/clients/{id}/offer` for the same clients, one at a time: p50 and p99 (goal p99 <= 50 ms),
  and how many candidate loans each decided;
- each of those offers checked by a scan (bench.offer_scan): granted itself, and no amount granted above
  it at any 1,000 up to the affordability cap (goal: every offer exact).
The result goes to bench/results/monotonicity.json, stamped (bench.stamp).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time

import httpx
import pandas as pd
from rich.console import Console
from rich.progress import track

from bench.capacity import demo_parser, ready_demo, run_configuration
from bench.latency import summarise
from bench.offer_scan import scan_offer
from bench.stamp import bench_run

console = Console(width=None if sys.stdout.isatty() else 140)
FACTORS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
#: A move of the probability smaller than this (0.1 percentage point) is no move.
POINT = 1e-3


def curves(url: str, key: str, clients: pd.DataFrame) -> dict[int, list[float]]:
    """Each client's probability at every factor of its credit, term kept."""
    out = {}
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as http:
        for _, client in track(
            clients.iterrows(), total=len(clients), description="what-ifs", console=console
        ):
            path = f"/v1/clients/{int(client['SK_ID_CURR'])}/simulation"
            out[int(client["SK_ID_CURR"])] = [
                http.post(path, json={"credit_amount": f * client["AMT_CREDIT"]})
                .raise_for_status()
                .json()["probability"]
                for f in FACTORS
            ]
    return out


def offer_latencies(url: str, key: str, clients: pd.DataFrame) -> tuple[list[float], list[dict]]:
    """Seconds of each client's offer (one request at a time, after one warm-up), and each offer."""
    seconds, offers = [], []
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as http:
        http.get(f"/v1/clients/{int(clients.iloc[0]['SK_ID_CURR'])}/offer").raise_for_status()
        for client_id in clients["SK_ID_CURR"]:
            started = time.perf_counter()
            reply = http.get(f"/v1/clients/{int(client_id)}/offer").raise_for_status()
            seconds.append(time.perf_counter() - started)
            offers.append(reply.json())
    return seconds, offers


def scanned_offers(url: str, key: str, scoring: str, clients: pd.DataFrame, offers: list[dict]) -> list:
    """Each offer checked by a scan at every 1,000 up to the affordability cap (bench.offer_scan)."""
    records = clients.to_dict(orient="records")
    return [
        asyncio.run(scan_offer(url, {"X-API-Key": key}, scoring, record, offer))
        for record, offer in track(
            list(zip(records, offers, strict=True)), description="offer scans", console=console
        )
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = demo_parser(__doc__)
    parser.add_argument("--clients", type=int, default=200, help="Training clients asked about.")
    parser.add_argument("--seed", type=int, default=5, help="Seed of the clients' draw.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data = args.data.resolve()
    raw = pd.read_parquet(data / "parquet" / "application_train.parquet").dropna(
        subset=["AMT_CREDIT", "AMT_ANNUITY"]
    )
    clients = raw.sample(n=min(args.clients, len(raw)), random_state=args.seed)
    with ready_demo(data, "monotonicity", args.ready_timeout) as platform:
        env = platform.env
        config = {
            "endpoint": "POST /v1/clients/{id}/simulation (credit x factor, annuity scaled alike)",
            **run_configuration(platform, data, env["DEMO_API_KEY"]),
            "factors": FACTORS,
            "clients": len(clients),
            "seed": args.seed,
            "point": POINT,
        }
        with bench_run("monotonicity", config) as run:
            found = curves(f"http://127.0.0.1:{platform.port('gateway')}", env["DEMO_API_KEY"], clients)
            falls = {
                client: max(a - b for a, b in itertools.pairwise(curve)) for client, curve in found.items()
            }
            falling = {client: fall for client, fall in falls.items() if fall > POINT}
            rising = [client for client, curve in found.items() if curve[-1] - curve[0] >= POINT]
            run.detail("curves", found)
            run.figure(
                "falling_clients",
                len(falling),
                unit=f"of {len(found)}",
                label="clients whose risk falls by > 0.1 point as the amount grows (0.25x to 4x, term kept)",
                goal="<= 0",
            )
            run.figure(
                "worst_fall_points",
                100 * max(falls.values(), default=0.0),
                unit="points",
                label="largest fall of the risk as the amount grows",
            )
            url = f"http://127.0.0.1:{platform.port('gateway')}"
            seconds, offers = offer_latencies(url, env["DEMO_API_KEY"], clients)
            evaluated = [offer["evaluated"] for offer in offers]
            scans = scanned_offers(
                url, env["DEMO_API_KEY"], f"127.0.0.1:{platform.port('scoring')}", clients, offers
            )
            inexact = [vars(scan) for scan in scans if not scan.exact]
            run.detail("offer_scans", {"candidates": sum(s.scanned for s in scans), "inexact": inexact})
            run.figure(
                "inexact_offers",
                len(inexact),
                unit=f"of {len(scans)}",
                label="offers not granted, or with a granted amount above them (scan every 1,000 to the cap)",
                goal="<= 0",
            )
            latency = summarise(seconds)
            run.detail("offer_latency", latency)
            run.detail("offer_candidates", {"mean": sum(evaluated) / len(evaluated), "max": max(evaluated)})
            run.figure("offer_p50_ms", latency["p50_ms"], unit="ms", label="the offer (GET /offer), p50")
            run.figure(
                "offer_p99_ms",
                latency["p99_ms"],
                unit="ms",
                label="the offer (GET /offer), p99",
                goal="<= 50",
            )
            run.figure(
                "rising_clients",
                len(rising),
                unit=f"of {len(found)}",
                label="clients whose risk rises by >= 0.1 point from 0.25x to 4x the amount",
                goal=f">= {len(found) / 2:g}",
            )
    for figure in run.figures.values():
        console.print(
            f"{figure.label}: {figure.value:g} {figure.unit} (goal {figure.goal}, met: {figure.met})"
        )


if __name__ == "__main__":
    main()
