"""Validates STAC JSON produced by a CityChain node with real STAC libraries.

Reads a JSON object {"items": [...], "itemCollections": [...]} from the file
named on the command line; checks every Item with stac-pydantic's Item model
and pystac's Item.from_dict, and every ItemCollection with stac-pydantic's
ItemCollection model and pystac's ItemCollection.from_dict. Exits non-zero
with the first failure.
"""

import json
import sys

import pystac
from stac_pydantic import Item, ItemCollection


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    items = data.get("items", [])
    collections = data.get("itemCollections", [])
    if not items and not collections:
        sys.exit("nothing to validate")
    for raw in items:
        Item.model_validate(raw)
        item = pystac.Item.from_dict(raw)
        assert item.id == raw["id"], "pystac read another id"
    for raw in collections:
        ItemCollection.model_validate(raw)
        pystac.ItemCollection.from_dict(raw)
    print(f"valid: {len(items)} items, {len(collections)} item collections")


if __name__ == "__main__":
    main(sys.argv[1])
