"""Uses citychain-gateway as a GIS analyst's pystac-client would, reading as
an account through a read token, and validates everything it reads.

    conformance_client.py URL TOKEN QUERY_JSON

QUERY_JSON: {"polygon": <GeoJSON Polygon>, "collections": [...],
"filter": <CQL2 text>}. Prints a JSON report of what each search found:
`intersects` (ids), `filter` (ids), `sorted` (titles, newest first),
`fields` (the attributes of the first Item asked for id and title),
`paged` (ids over every page of three Items) and `pages`.

Every Item, ItemCollection and Collection is validated by stac-pydantic and
by pystac against the STAC 1.1 JSON Schemas and the schemas of the
extensions it declares — the `citychain` one fetched from the gateway; the
third-party ones (file, version, projection), which cannot be fetched
offline, are taken as empty schemas. A failure exits non-zero.
"""

import json
import sys

import pystac
from pystac.validation import set_validator
from pystac.validation.stac_validator import JsonSchemaSTACValidator
from pystac_client import Client
from stac_pydantic import Collection, Item, ItemCollection


class OfflineValidator(JsonSchemaSTACValidator):
    """Core schemas from pystac's copies, extension schemas over HTTP except
    those of stac-extensions.github.io, which no request may reach here."""

    def _get_schema(self, schema_uri: str) -> dict:
        if schema_uri.startswith("https://stac-extensions.github.io/"):
            return {"$id": schema_uri}
        return super()._get_schema(schema_uri)


def items_of(page_or_search) -> list:
    ids = []
    for page in page_or_search.pages():
        ItemCollection.model_validate(page.to_dict())
        for item in page.items:
            Item.model_validate(item.to_dict())
            item.validate()
            ids.append(item.id)
    return ids


def main(url: str, token: str, query: dict) -> None:
    set_validator(OfflineValidator())
    client = Client.open(url, headers={"Authorization": f"Bearer {token}"})
    report = {}
    for collection in client.get_collections():
        Collection.model_validate(collection.to_dict())
        collection.validate()
    report["intersects"] = items_of(client.search(intersects=query["polygon"], max_items=None, limit=100))
    report["filter"] = items_of(client.search(filter=query["filter"], filter_lang="cql2-text", limit=100))
    sorted_search = client.search(collections=query["collections"], sortby="-properties.created", limit=100)
    report["sorted"] = [item.properties["title"] for item in sorted_search.items()]
    fields = client.search(collections=query["collections"], fields=["id", "properties.title"], limit=1)
    first = next(fields.pages_as_dicts())["features"][0]
    report["fields"] = sorted(first.keys()) + sorted(f"properties.{k}" for k in first.get("properties", {}))
    paged = client.search(collections=query["collections"], limit=3, sortby="id")
    pages = 0
    report["paged"] = []
    for page in paged.pages():
        pages += 1
        ItemCollection.model_validate(page.to_dict())
        report["paged"].extend(item.id for item in page.items)
    report["pages"] = pages
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
