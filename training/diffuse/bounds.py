"""One table of held-out numbers for several models of a pipeline stage (families_eval, arms_eval):

    python3 -m diffuse.bounds ROOT NAME... -> a line per model; ROOT/bounds.json

ROOT/NAME/bound.json is `evaluate bound`'s result (the family's own bound) or, for an AR model,
`evaluate ppl --ar`'s (its held-out loss, an exact likelihood rather than a bound).
"""
import json
import os
import sys


def summary(result):
    """{bound, nats_per_token, stderr, ppl, tokens_seen} of one evaluate result."""
    if "ar_nats_per_token" in result:
        return {"bound": "ar_loss", "nats_per_token": result["ar_nats_per_token"], "stderr": None,
                "ppl": result["ar_ppl"], "tokens_seen": result["ar_tokens_seen"]}
    return {"bound": result["bound"], "nats_per_token": result["bound_nats_per_token"],
            "stderr": result["bound_stderr"], "ppl": result["bound_ppl"], "tokens_seen": result["tokens_seen"]}


def line(name, row):
    spread = "" if row["stderr"] is None else f" +- {row['stderr']:.4f}"
    return f"{name:16s} {row['bound']:7s} {row['nats_per_token']:.4f}{spread} nats/token  ppl {row['ppl']:.2f}"


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: python3 -m diffuse.bounds ROOT NAME...  (reads ROOT/NAME/bound.json)")
    root, rows = argv[0], {}
    for name in argv[1:]:
        path = os.path.join(root, name, "bound.json")
        with open(path) as f:
            result = json.load(f)
        try:
            rows[name] = summary(result)
        except KeyError as e:
            sys.exit(f"{path}: field {e} is missing (not an evaluate bound / ppl --ar result)")
        print(line(name, rows[name]))
    with open(os.path.join(root, "bounds.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
