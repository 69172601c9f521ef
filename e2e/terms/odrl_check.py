"""Checks ODRL 2.2 documents the way a dataspace connector's catalogue reads
them: expanded as JSON-LD by pyld against the ODRL context shipped beside
this file (e2e/terms/odrl.jsonld, the W3C context of the ODRL 2.2
vocabulary, from the npm package @digitalbazaar/odrl-context 1.0.0), with no
network; then every property, every type and every vocabulary value
(actions, operators, left operands, conflict strategies) must be a term of
the ODRL 2.2 vocabulary the context defines (or an XML Schema datatype),
and every key written a term of the context (expansion drops the others).

Usage: odrl_check.py FILE... ; prints one JSON line per file:
{"file", "types", "terms", "unknown"}; exits 1 if any term is unknown.
"""

import json
import os
import sys

from pyld import jsonld

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT_URLS = ("http://www.w3.org/ns/odrl.jsonld", "https://www.w3.org/ns/odrl.jsonld")
ODRL = "http://www.w3.org/ns/odrl/2/"
XSD = "http://www.w3.org/2001/XMLSchema#"

with open(os.path.join(HERE, "odrl.jsonld"), encoding="utf-8") as f:
    CONTEXT = json.load(f)


def vocabulary():
    """The IRIs the context's terms stand for: the ODRL 2.2 vocabulary."""
    prefixes = {k: v for k, v in CONTEXT["@context"].items() if isinstance(v, str) and v.endswith(("/", "#"))}
    terms = set()
    for value in CONTEXT["@context"].values():
        iri = value.get("@id") if isinstance(value, dict) else value
        if not isinstance(iri, str) or ":" not in iri or iri.startswith("@"):
            continue
        prefix, _, local = iri.partition(":")
        if prefix in prefixes and local:
            terms.add(prefixes[prefix] + local)
    return terms


def loader(url, options=None):
    if url in CONTEXT_URLS:
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise jsonld.JsonLdError("no network: only the ODRL context is known", "loading document failed", {"url": url})


VOCABULARY_VALUED = {ODRL + p for p in ("action", "operator", "leftOperand", "conflict")}


def walk(node, seen):
    if isinstance(node, list):
        for item in node:
            walk(item, seen)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type":
            seen["types"].update(value if isinstance(value, list) else [value])
        elif not key.startswith("@"):
            seen["terms"].add(key)
            if key in VOCABULARY_VALUED:
                for v in value:
                    if isinstance(v, dict) and "@id" in v:
                        seen["values"].add(v["@id"])
            walk(value, seen)


def keys(node):
    """Every key of the document as written (JSON-LD drops unknown ones)."""
    if isinstance(node, list):
        return set().union(*(keys(n) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    return set(node) | set().union(*(keys(v) for v in node.values()))


def check(path, known):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    expanded = jsonld.expand(document, {"documentLoader": loader})
    seen = {"types": set(), "terms": set(), "values": set()}
    walk(expanded, seen)
    used = seen["types"] | seen["terms"] | seen["values"]
    unknown = sorted(i for i in used if i not in known and not i.startswith(XSD))
    unknown += sorted(k for k in keys(document) if not k.startswith("@") and k not in CONTEXT["@context"])
    return {
        "file": path,
        "types": sorted(seen["types"]),
        "terms": sorted(seen["terms"] | seen["values"]),
        "unknown": unknown,
    }


def main():
    known = vocabulary()
    failed = False
    for path in sys.argv[1:]:
        result = check(path, known)
        failed = failed or bool(result["unknown"]) or not result["types"]
        print(json.dumps(result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
