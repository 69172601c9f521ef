"""Runs stac-api-validator against a CityChain gateway, offline.

    api_validator.py ROOT_URL COLLECTION CLASS [CLASS ...]

The validator and the stac-validator it calls fetch JSON Schemas from the
web. Here they come from disk instead: the STAC 1.1 core and GeoJSON schemas
from the copies pystac ships; the third-party extension schemas the Items
declare (file, version, projection), which no package ships, as an empty
schema — their fields are checked by stac-pydantic and pystac in the other
STAC tests, not here. The `citychain` extension's schema is fetched from the
gateway itself, so the validator checks our fields against it. Any other
request to the web fails.

Prints the warnings and the errors; exits 1 if there is an error. With
`--known-filter-errors`, errors of the filter class that are a 400 for a
CQL2 filter naming a property outside the queryables (the validator's
examples assume Earth-observation fields such as `eo:cloud_cover`) are
listed apart and do not fail the run; every other error does.
"""

import json
import os
import re
import sys
from urllib.parse import urlparse

import pystac
import requests
from stac_api_validator import validations

PYSTAC_SCHEMAS = os.path.join(os.path.dirname(pystac.__file__), "validation", "jsonschemas")
EMPTY_SCHEMA = {"$schema": "http://json-schema.org/draft-07/schema#"}


def local_schema(url: str):
    """The schema `url` names, from disk; None if it is not a schema we know."""
    parsed = urlparse(url)
    name = os.path.basename(parsed.path)
    if parsed.netloc == "schemas.stacspec.org" and parsed.path.startswith("/v1.1.0/"):
        path = os.path.join(PYSTAC_SCHEMAS, "stac-spec", "v1.1.0", name)
    elif parsed.netloc == "geojson.org":
        path = os.path.join(PYSTAC_SCHEMAS, "geojson", name)
    elif parsed.netloc == "stac-extensions.github.io":
        return EMPTY_SCHEMA
    else:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def offline(root_url: str):
    """Answers schema requests from disk and refuses other requests beyond the gateway."""
    send = requests.Session.send
    gateway = urlparse(root_url).netloc

    def patched(session, request, **kwargs):
        host = urlparse(request.url).netloc
        if host == gateway:
            return send(session, request, **kwargs)
        schema = local_schema(request.url)
        response = requests.Response()
        response.url = request.url
        response.request = request
        if schema is None:
            response.status_code = 599
            response._content = b"offline: no request leaves this machine"
        else:
            response.status_code = 200
            response.headers["content-type"] = "application/json"
            response._content = json.dumps(schema).encode()
        return response

    requests.Session.send = patched


# A filter request answered 400 that names a property the validator's
# examples assume and the catalogue does not have.
UNKNOWN_QUERYABLE = re.compile(r"Filter Ext.*(eo:cloud_cover|mission).*had unexpected status code 400")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    known_filter_errors = "--known-filter-errors" in sys.argv
    root_url, collection, classes = args[0], args[1], args[2:]
    offline(root_url)
    warnings, errors = validations.validate_api(
        root_url=root_url,
        ccs_to_validate=classes,
        collection=collection,
        geometry=json.dumps({"type": "Point", "coordinates": [116.40, 39.91]}),
        auth_bearer_token=None,
        auth_query_parameter=None,
        fields_nested_property="properties.title",
        validate_pagination=True,
        query_config=validations.QueryConfig(
            query_comparison_field=None, query_eq_value=None, query_neq_value=None, query_lt_value=None,
            query_lte_value=None, query_gt_value=None, query_gte_value=None, query_substring_field=None,
            query_starts_with_value=None, query_ends_with_value=None, query_contains_value=None,
            query_in_field=None, query_in_values=None,
        ),
        transaction_collection=None,
        headers=None,
        open_assets_urls=False,
    )
    known = [e for e in errors if known_filter_errors and UNKNOWN_QUERYABLE.search(e)]
    unexpected = [e for e in errors if e not in known]
    report = {"classes": classes, "warnings": list(warnings), "known": known, "errors": unexpected}
    print(json.dumps(report, indent=1))
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
