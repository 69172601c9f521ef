"""Reads a dataset through a presigned link as a GIS analyst's Python does,
with rasterio and pyogrio (GDAL's /vsicurl/ inside their wheels), and
prints what it read as JSON:

    read.py raster HREF COL ROW SIZE   a SIZE x SIZE window of band 1:
                                       {"width", "height", "crs", "sha256"}
    read.py vector HREF W S E N        the features in a bbox:
                                       {"count", "names"} (names sorted)
"""

import hashlib
import json
import os
import sys

# Read only what is asked: no directory listing, no sibling files.
os.environ.setdefault("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")

import pyogrio  # noqa: E402
import rasterio  # noqa: E402
from rasterio.windows import Window  # noqa: E402


def raster(href, col, row, size):
    with rasterio.open(f"/vsicurl/{href}") as src:
        band = src.read(1, window=Window(int(col), int(row), int(size), int(size)))
        return {
            "width": src.width,
            "height": src.height,
            "crs": src.crs.to_string(),
            "sha256": hashlib.sha256(band.tobytes()).hexdigest(),
        }


def vector(href, west, south, east, north):
    bbox = tuple(float(v) for v in (west, south, east, north))
    _meta, _fids, _geometry, fields = pyogrio.raw.read(f"/vsicurl/{href}", bbox=bbox, columns=["name"])
    names = sorted(str(n) for n in fields[0])
    return {"count": len(names), "names": names}


if __name__ == "__main__":
    kind, href, *rest = sys.argv[1:]
    print(json.dumps({"raster": raster, "vector": vector}[kind](href, *rest)))
