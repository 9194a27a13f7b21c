"""ipseval: evaluate an Individual Placement and Support (IPS) employment service from its records.

From Python::

    import ipseval

    data = ipseval.read("export/")              # checked against the data standard
    run = ipseval.evaluate("export/", "out/")   # the whole evaluation, written to out/
    fit = ipseval.logit(frame, "job", ["meeting_band", "sex"], cluster="local_authority")
    print(fit.summary())

Every name below is documented; nothing else is part of the public API.
"""

import os
from typing import Any

# ipseval's linear algebra is many small products and solves (imputation chains, Newton steps, blocked
# X'X). OpenBLAS's threads cost more than they give there, and on a busy machine they wait for each
# other: 20 imputations of the demo took 30 CPU-s with the default threads, 3.2 with one. Set before
# numpy is first imported; a user's own setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# polars' allocator (jemalloc) keeps freed memory for reuse ten seconds by default: at a million
# clients, each step's freed columns then stay counted on top of the next step's (after validation
# 3.2 GB held where the live data needed 1.4). A background thread now returns it after a second:
# returning it at once cost a tenth more CPU on the demo, this costs nothing measurable.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0")

__version__ = "0.1.0"

# public name -> module that defines it; imported on first use, so `import ipseval` (and the
# command line's start) stays fast
_PUBLIC = {
    "read": "ipseval.api",
    "evaluate": "ipseval.api",
    "logit": "ipseval.api",
    "compare": "ipseval.api",
    "Settings": "ipseval.settings",
    "load_settings": "ipseval.settings",
    "ImpactResult": "ipseval.impact.result",
    "AnalysisError": "ipseval.impact.result",
    "ValidatedDataset": "ipseval.validate",
    "EvaluationRun": "ipseval.pipeline",
    "PublishedEvaluation": "ipseval.evaluation",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ipseval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
