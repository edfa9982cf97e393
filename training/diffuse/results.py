"""Gather the measured numbers of a pipeline work dir into one JSON (meta.json "results").

    python3 -m diffuse.results WORK_DIR > results.json
"""
from dataclasses import dataclass
import json
import os
import sys


def gather(work):
    def load(name):
        p = os.path.join(work, name)
        return json.load(open(p)) if os.path.exists(p) else None

    res = {}
    final = load("ppl_final.json")
    if final:
        res.update({k: final[k] for k in ("nelbo_nats_per_token", "nelbo_stderr", "nelbo_ppl",
                                          "mdlm_tokens_seen", "val_tokens") if k in final})
    eq = load("ppl_equal_tokens.json")
    if eq:
        res["equal_tokens"] = eq
    ref = load("reference_infill_score.json")
    if ref:
        res["reference_infill_pytorch"] = ref
    vm = load("vocab_measure.json")
    if vm:
        res["tokenizer_measurement"] = vm
    man = load(os.path.join("corpus", "manifest.json"))
    if man:
        res["corpus"] = {"splits": man["splits"], "filtered": man["filtered"],
                         "sources": {k: {"files": v["files"], "bytes": v["bytes"], "langs": v["langs"]}
                                     for k, v in man["sources"].items()}}
    return res


@dataclass
class ResultsOptions:
    work: str                        # pipeline.sh's WORK folder


if __name__ == "__main__":
    from .options import parse_options
    print(json.dumps(gather(parse_options(ResultsOptions, sys.argv[1:], "diffuse.results", positional=("work",)).work), indent=1))
