"""CityChain's STAC API against stac-fastapi-pgstac on the same catalogue.

    compare.py load GATEWAY_URL        copies every collection and item the
                                       gateway serves into pgstac (PG*
                                       environment variables name the database)
    compare.py measure GATEWAY_URL PGSTAC_URL [QUERIES] [SEED]
                                       the same item searches on both, timed

The searches are those of bench/search: a box of 0.05 x 0.04 degrees and a
one-year window around a point of the catalogue (here: the centre and
start of a random item), shrunk until it matches fewer than a page (100),
so that both return every match on one page. Each runs once on each side
to warm up, then once timed, over one keep-alive HTTP connection per side.
Prints p50/p95 per side, their ratio, and how many answers held the same
items.
"""

import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

PAGE = 100


def pages(session, url):
    """Every feature of a paged STAC search, following `next` links."""
    while url:
        page = session.get(url, timeout=60).json()
        yield from page["features"]
        url = next((link["href"] for link in page.get("links", []) if link["rel"] == "next"), None)


def plain(record):
    """A record without the gateway's links, as it would be loaded anywhere."""
    return {k: v for k, v in record.items() if k != "links"}


def load(gateway):
    from pypgstac.db import PgstacDB
    from pypgstac.load import Loader, Methods

    session = requests.Session()
    collections = [plain(c) for c in session.get(f"{gateway}/collections", timeout=60).json()["collections"]]
    items = [plain(i) for i in pages(session, f"{gateway}/search?limit={PAGE}")]
    started = time.monotonic()
    with PgstacDB() as db:
        loader = Loader(db=db)
        loader.load_collections(iter(collections), insert_mode=Methods.upsert)
        loader.load_items(iter(items), insert_mode=Methods.insert)
    print(f"pgstac: {len(items)} items of {len(collections)} collections loaded in {time.monotonic() - started:.1f} s")
    with open("items.json", "w") as out:
        json.dump([{"id": i["id"], "bbox": i["bbox"], "start": start(i), "ongoing": ongoing(i)} for i in items], out)


def ongoing(item):
    return item["properties"].get("citychain:ongoing", False)


def start(item):
    p = item["properties"]
    return p.get("start_datetime") or p["datetime"]


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def searches(session, gateway, count, seed):
    """Query strings around random items, each matching 1 to 99 items."""
    rng = random.Random(seed)
    with open("items.json") as f:
        items = json.load(f)
    found = []
    while len(found) < count:
        item = rng.choice(items)
        x, y = (item["bbox"][0] + item["bbox"][2]) / 2, (item["bbox"][1] + item["bbox"][3]) / 2
        t = datetime.fromisoformat(item["start"].replace("Z", "+00:00"))
        # Halved at most six times; a point under more than a page of
        # city-wide products even then is passed over.
        for halvings in range(7):
            scale = 0.5**halvings
            w, h, d = 0.025 * scale, 0.02 * scale, timedelta(days=182 * scale)
            query = (
                f"bbox={x - w:.6f},{y - h:.6f},{x + w:.6f},{y + h:.6f}"
                f"&datetime={iso(t - d)}/{iso(t + d)}&limit={PAGE}"
            )
            n = len(session.get(f"{gateway}/search?{query}", timeout=60).json()["features"])
            if n < PAGE:
                found.append(query)
                break
    return found


def timed(session, url):
    started = time.perf_counter()
    answer = session.get(url, timeout=60)
    features = answer.json()["features"]
    return time.perf_counter() - started, {f["id"] for f in features}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(1, -(-p * len(ordered) // 100)) - 1]


def measure(gateway, pgstac, count, seed):
    # A STAC Item has no open-ended range: CityChain gives an ongoing dataset
    # `datetime` = its start and `citychain:ongoing`; pgstac indexes that as
    # an instant, CityChain's search as a range without end. Answers are
    # compared without them.
    with open("items.json") as f:
        ongoing_ids = {i["id"] for i in json.load(f) if i["ongoing"]}
    sides = {"citychain": (gateway, requests.Session()), "pgstac": (pgstac, requests.Session())}
    queries = searches(sides["citychain"][1], gateway, count, seed)
    for base, session in sides.values():
        for q in queries:
            session.get(f"{base}/search?{q}", timeout=60).raise_for_status()
    times = {name: [] for name in sides}
    same, matches, only = 0, 0, {name: set() for name in sides}
    for q in queries:
        answers = {}
        for name, (base, session) in sides.items():
            took, ids = timed(session, f"{base}/search?{q}")
            times[name].append(took)
            answers[name] = ids
        same += answers["citychain"] - ongoing_ids == answers["pgstac"] - ongoing_ids
        matches += len(answers["citychain"])
        only["citychain"] |= answers["citychain"] - answers["pgstac"]
        only["pgstac"] |= answers["pgstac"] - answers["citychain"]
    ms = lambda v: f"{v * 1000:8.2f} ms"
    print(f"{len(queries)} searches (bbox + datetime, limit {PAGE}), {matches / len(queries):.1f} matches on average")
    for name, values in times.items():
        print(f"  {name:<10} p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}")
    ratio = percentile(times["pgstac"], 50) / percentile(times["citychain"], 50)
    print(f"  stac-fastapi-pgstac / CityChain p50: {ratio:.2f} x")
    print(f"  same items in {same} of {len(queries)} answers, ongoing datasets aside")
    for name, ids in only.items():
        if ids:
            print(f"  {len(ids)} items found only by {name} ({len(ids & ongoing_ids)} of them ongoing), e.g. {sorted(ids)[:5]}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "load":
        load(args[0])
    elif command == "measure":
        measure(args[0], args[1], int(args[2]) if len(args) > 2 else 200, int(args[3]) if len(args) > 3 else 42)
    else:
        sys.exit(__doc__)
