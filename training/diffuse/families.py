"""Which family a model is, and what follows from it (the contract's table, docs/model-contract.md):

| objective | meta family | graph                     | output_kind | cond_kind | schedule                 |
| mdlm      | mdlm        | absorb                    | x0_logits   | none      | loglinear                |
| md4       | md4         | absorb                    | x0_logits   | t_x1000   | linear, md4_cosine, poly |
| genmd4    | md4         | absorb                    | x0_logits   | t_x1000   | genmd4 (learned w)       |
| sedd      | sedd        | absorb, uniform           | log_score   | sigma     | loglinear, geometric     |
| cedd      | cedd        | absorb, uniform, roulette | x0_logits   | sigma     | loglinear (uniform: or geometric) |
| rdlm      | rdlm        | sphere                    | x0_logits   | t         | geometric_bridge (rdlm.py)|

A Family is built from the training config (objective, graph, schedule, exponent, p_m; RDLM:
sphere_base, step_thr) and gives the network's conditioning, the objective module, and the
meta.json fields. An empty graph is the family's default (sphere for rdlm, absorb otherwise).

`trained_combinations()` is this table as data. make_fixture.py writes it to
test/fixtures/families/contract.json, which a pytest holds to this module and the TypeScript
loader's test (test/unit/modelFamilyTable.test.ts) holds src/model/folder/meta.ts to: each row loads, and
the loader accepts nothing more than these rows and the older MDLM variants it keeps reading.
"""
from dataclasses import dataclass

from .graphs import Schedule, graph_p

OBJECTIVES = ("mdlm", "md4", "genmd4", "sedd", "cedd", "rdlm")
DEFAULT_SCHEDULE = {"mdlm": "loglinear", "md4": "linear", "genmd4": "genmd4", "cedd": "loglinear"}
ALLOWED = {
    ("mdlm", "absorb"): ("loglinear",),
    ("md4", "absorb"): ("linear", "md4_cosine", "poly"),
    ("genmd4", "absorb"): ("genmd4",),
    ("sedd", "absorb"): ("loglinear",),
    ("sedd", "uniform"): ("geometric", "loglinear"),
    ("cedd", "absorb"): ("loglinear",),
    ("cedd", "uniform"): ("loglinear", "geometric"),
    ("cedd", "roulette"): ("loglinear",),
    ("rdlm", "sphere"): ("geometric_bridge",),
}
# Dimension splitting (SEEDS §5.1): the vocabulary of 8192 = 2^13 ids is exactly 13 binary digits,
# so base 2 is the one small base that leaves no digit pattern without a token (base 3: 58 %
# unused, base 4: 50 %), at about the smallest state (13 x 3 floats in, 26 logits out; base 4:
# 7 x 5 and 28). docs/families.md has the table; --sphere_base changes it.
DEFAULT_SPHERE_BASE = 2


@dataclass(frozen=True)
class Family:
    objective: str = "mdlm"
    graph: str = "absorb"
    schedule: Schedule = Schedule()
    p_m: float = None
    base: int = None                  # rdlm: the digit base of the sphere layout

    @classmethod
    def from_config(cls, cfg):
        """From a TrainConfig or its dict (a checkpoint's train_config); "" schedule = default."""
        get = cfg.get if isinstance(cfg, dict) else lambda k, d=None: getattr(cfg, k, d)
        objective = get("objective", "mdlm")
        graph = get("graph", "") or ("sphere" if objective == "rdlm" else "absorb")
        if objective == "rdlm" or graph == "sphere":
            return cls._rdlm(objective, graph, get)
        stype = get("schedule", "") or DEFAULT_SCHEDULE.get(objective) or \
            ("geometric" if graph == "uniform" else "loglinear")
        if stype not in ALLOWED.get((objective, graph), ()):
            raise ValueError(f"objective {objective!r} with graph {graph!r} and schedule {stype!r} "
                             "is not a contract combination")
        p_m = float(get("p_m", 0.95)) if graph == "roulette" else None
        graph_p(graph, p_m)   # validates p_m
        return cls(objective, graph, Schedule(stype, exponent=float(get("exponent", 1.0) or 1.0)), p_m)

    @classmethod
    def _rdlm(cls, objective, graph, get):
        from .rdlm import BridgeSchedule
        stype = get("schedule", "") or "geometric_bridge"
        if stype not in ALLOWED.get((objective, graph), ()):
            raise ValueError(f"objective {objective!r} with graph {graph!r} and schedule {stype!r} "
                             "is not a contract combination")
        base = int(get("sphere_base", DEFAULT_SPHERE_BASE) or DEFAULT_SPHERE_BASE)
        if base < 2:
            raise ValueError("sphere_base must be >= 2")
        return cls(objective, graph, BridgeSchedule(step_thr=float(get("step_thr", 0.38))), None, base)

    @property
    def meta_family(self):
        return "md4" if self.objective == "genmd4" else self.objective

    @property
    def cond_kind(self):
        return {"mdlm": "none", "md4": "t_x1000", "genmd4": "t_x1000", "rdlm": "t"}.get(self.objective, "sigma")

    @property
    def output_kind(self):
        return "log_score" if self.objective == "sedd" else "x0_logits"

    @property
    def sigma_shift(self):
        """SEDD's scale_by_sigma: absorb only (SEDD: "not yet configured" for uniform)."""
        return self.objective == "sedd" and self.graph == "absorb"

    def meta(self, objective_state=None):
        """meta.json's family fields. objective_state: the GenMD4 module's state (token exponents)."""
        schedule = self.schedule.meta()
        if self.schedule.type == "genmd4":
            from .md4 import token_exponents
            schedule["token_exponents"] = [float(w) for w in token_exponents(objective_state)]
        return {"family": self.meta_family, "graph": self.graph, "output_kind": self.output_kind,
                "cond_kind": self.cond_kind, "schedule": schedule, "p_m": self.p_m}

    def contract_row(self):
        """This family's row of the contract's table (meta.json's family, graph, output_kind,
        cond_kind and schedule type), with the objective that trains it."""
        return {"objective": self.objective, "family": self.meta_family, "graph": self.graph,
                "output_kind": self.output_kind, "cond_kind": self.cond_kind, "schedule": self.schedule.type}

    def objective_module(self, vocab_size, mask_id, cache_dir=None, hole_reveal="random"):
        """The loss (and held-out bound) of this family as an nn.Module (GenMD4's holds w).
        cache_dir: where RDLM caches its bridge table (the run's folder). hole_reveal: which of an
        editor hole's slots MDLM's training rows mask (mdlm.py); the other families mask at random."""
        from . import cedd, md4, mdlm, rdlm, sedd
        if self.objective == "mdlm":
            return mdlm.MDLM(self.schedule, vocab_size, mask_id, hole_reveal)
        if hole_reveal != "random":
            raise ValueError(f"hole_reveal={hole_reveal!r} is MDLM's alone (objective {self.objective!r})")
        if self.objective == "md4":
            return md4.MD4(self.schedule, vocab_size, mask_id)
        if self.objective == "genmd4":
            return md4.GenMD4(self.schedule, vocab_size, mask_id)
        if self.objective == "sedd":
            return sedd.SEDD(self, vocab_size, mask_id)
        if self.objective == "cedd":
            return cedd.CEDD(self, vocab_size, mask_id)
        if self.objective == "rdlm":
            return rdlm.RDLM(self, vocab_size, mask_id, cache_dir)
        raise ValueError(f"{self.objective!r} has no objective module")


def trained_combinations():
    """Every row of the contract's table that training produces: one per allowed schedule of each
    (objective, graph) in ALLOWED, in that order."""
    return [Family.from_config({"objective": objective, "graph": graph, "schedule": schedule}).contract_row()
            for (objective, graph), schedules in ALLOWED.items() for schedule in schedules]
