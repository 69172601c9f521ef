"""The harvestable catalogue read by the ecosystem's own clients, for
e2e/harvest.test.mjs. Each command prints one JSON report on stdout.

  dcat URL SHAPES_DIR   every page of URL/catalog.ttl (following
                        hydra:nextPage) and the first of URL/catalog.jsonld,
                        validated by pyshacl against the DCAT-AP 3 shapes
  records URL           owslib's OGC API - Records client over URL/records
  export FILE           a stac-geoparquet file read by pyarrow and geopandas
"""
import json
import sys
import urllib.request
from pathlib import Path

HYDRA = "http://www.w3.org/ns/hydra/core#"
DCAT = "http://www.w3.org/ns/dcat#"


def fetch(url, accept):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as r:
        return r.read().decode(), r.headers.get("Content-Type")


def dcat(url, shapes_dir):
    import pyshacl
    from rdflib import Graph, Namespace, RDF, URIRef

    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(Path(shapes_dir) / name, format="turtle")
    hydra, dcat_ns = Namespace(HYDRA), Namespace(DCAT)
    report = {"pages": 0, "datasets": [], "violations": [], "total": None, "types": []}

    def check(text, syntax):
        data = Graph().parse(data=text, format=syntax)
        conforms, _, results = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        if not conforms:
            report["violations"].append(results[:4000])
        return data

    page = f"{url}/catalog.ttl?limit=7"
    while page:
        text, media = fetch(page, "text/turtle")
        report["types"].append(media)
        data = check(text, "turtle")
        report["pages"] += 1
        report["datasets"] += [str(d) for d in data.objects(None, dcat_ns.dataset)]
        paged = next(data.subjects(RDF.type, hydra.PagedCollection))
        report["total"] = int(data.value(paged, hydra.totalItems))
        nxt = data.value(paged, hydra.nextPage)
        page = str(nxt) if nxt else None
    text, media = fetch(f"{url}/catalog", "application/ld+json")
    report["types"].append(media)
    data = check(text, "json-ld")
    report["jsonld_datasets"] = len(set(data.objects(None, dcat_ns.dataset)))
    text, media = fetch(f"{url}/catalog", "text/turtle")
    report["types"].append(media)
    print(json.dumps(report))


def records(url):
    from owslib.ogcapi.records import Records

    r = Records(f"{url}/records")
    conformance = r.conformance()["conformsTo"]
    catalogues = r.records()
    items = r.collection_items(catalogues[0], limit=100)
    ids = [f["id"] for f in items["features"]]
    boxed = r.collection_items(catalogues[0], bbox=[116.0, 39.0, 116.45, 41.0], limit=100)
    one = r.collection_item(catalogues[0], ids[0]) if ids else None
    print(json.dumps({
        "conformance": conformance,
        "catalogues": catalogues,
        "ids": ids,
        "bbox_ids": [f["id"] for f in boxed["features"]],
        "one": one,
    }))


def bounds_ok(frame):
    ok = True
    for geometry, bbox in zip(frame.geometry, frame["bbox"]):
        if bbox["xmin"] <= bbox["xmax"]:
            wanted = (bbox["xmin"], bbox["ymin"], bbox["xmax"], bbox["ymax"])
            ok &= all(abs(a - b) < 1e-9 for a, b in zip(geometry.bounds, wanted))
    return bool(ok)


def export(path):
    import geopandas
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    frame = geopandas.read_parquet(path)
    print(json.dumps({
        "ids": sorted(table.column("id").to_pylist()),
        "row_groups": pq.ParquetFile(path).num_row_groups,
        "columns": table.column_names,
        "geo": json.loads(meta.get(b"geo", b"null")),
        "stac_geoparquet": json.loads(meta.get(b"stac-geoparquet", b"null")),
        "geometry_types": sorted(set(frame.geometry.geom_type)),
        # Boxes that do not cross the antimeridian: the geometry's bounds.
        "bounds_ok": bounds_ok(frame),
        "crs": str(frame.crs),
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"dcat": dcat, "records": records, "export": export}[command](*args)
