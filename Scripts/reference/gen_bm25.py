"""Reference BM25 scores for PRIMAKnowledge's BM25, from rank-bm25's BM25Okapi.

Input: Tests/PRIMAKnowledgeTests/Fixtures/bm25_terms.json, the BM25 terms of the mini-corpus chunks and of the
test queries as the Swift side produced them (`prima-knowledge bm25-terms`, command in that file's "command"), so
both sides score exactly the same token lists. Output: Tests/PRIMAKnowledgeTests/Fixtures/bm25.json with, for each
parameter setting, the score of every chunk for every query (float64) and the IDF of every term.
The Swift test also checks that its own terms still equal the committed ones.
Run: /path/to/python gen_bm25.py
"""
import json
import os
import sys
from importlib.metadata import version

import numpy as np
from rank_bm25 import BM25Okapi

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "PRIMAKnowledgeTests", "Fixtures")
SETTINGS = [{"k1": 1.5, "b": 0.75, "epsilon": 0.25}, {"k1": 1.2, "b": 0.5, "epsilon": 0.1}]


def main():
    with open(os.path.join(FIXTURES, "bm25_terms.json")) as f:
        terms = json.load(f)
    cases = []
    for setting in SETTINGS:
        bm25 = BM25Okapi(terms["chunk_terms"], **setting)
        scores = [np.asarray(bm25.get_scores(q), dtype=np.float64).tolist() for q in terms["query_terms"]]
        cases.append({"params": setting, "scores": scores, "idf": {k: float(v) for k, v in sorted(bm25.idf.items())},
                      "average_length": bm25.avgdl})
    out = {"generator": "Scripts/reference/gen_bm25.py",
           "versions": {"rank-bm25": version("rank-bm25"), "numpy": np.__version__, "python": sys.version.split()[0]},
           "chunk_ids": terms["chunk_ids"], "chunk_terms": terms["chunk_terms"],
           "queries": terms["queries"], "query_terms": terms["query_terms"], "cases": cases}
    path = os.path.join(FIXTURES, "bm25.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
