"""Reads citychain-gateway's STAC API with pystac-client, a real STAC client.

Usage: gateway_client.py URL QUERY_JSON

QUERY_JSON: {"bbox": [w, s, e, n], "datetime": "a/b", "limit": n,
"collection": "department-<id>"}. Prints a JSON report: the collections and
their extents, the ids a search finds through GET and through POST (paging
through every `next` link) with the number of pages, and the ids of the
collection's items. Every Item and page is validated with stac-pydantic
and read with pystac; a failure exits non-zero.
"""

import json
import sys

from pystac_client import Client
from pystac_client.conformance import ConformanceClasses
from stac_pydantic import Collection, Item, ItemCollection


def main(url: str, query: dict) -> None:
    client = Client.open(url)
    for conformance in (ConformanceClasses.CORE, ConformanceClasses.ITEM_SEARCH,
                        ConformanceClasses.COLLECTIONS, ConformanceClasses.FEATURES):
        if not client.conforms_to(conformance):
            sys.exit(f"the landing page does not declare {conformance.name}")
    report = {"collections": {}, "search": {}}
    for collection in client.get_collections():
        Collection.model_validate(collection.to_dict())
        report["collections"][collection.id] = {
            "bbox": collection.extent.spatial.bboxes[0],
            "interval": [t.isoformat() if t else None for t in collection.extent.temporal.intervals[0]],
        }
    for method in ("GET", "POST"):
        search = client.search(bbox=query["bbox"], datetime=query["datetime"], limit=query["limit"], method=method)
        ids, pages = [], 0
        for page in search.pages():
            ItemCollection.model_validate(page.to_dict())
            pages += 1
            for item in page.items:
                Item.model_validate(item.to_dict())
                ids.append(item.id)
        report["search"][method] = {"ids": ids, "pages": pages}
    collection = client.get_collection(query["collection"])
    items = list(collection.get_items())
    for item in items:
        Item.model_validate(item.to_dict())
        if item.get_self_href() is None or not item.get_self_href().startswith(url):
            sys.exit(f"item {item.id} has no absolute self link")
    report["collectionItems"] = sorted(item.id for item in items)
    one = client.get_collection(query["collection"]).get_item(items[0].id) if items else None
    report["oneItem"] = one.id if one else None
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
