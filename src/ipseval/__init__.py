"""ipseval: evaluate an Individual Placement and Support (IPS) employment service from its records."""

import os

# ipseval's linear algebra is many small products and solves (imputation chains, Newton steps, blocked
# X'X). OpenBLAS's threads cost more than they give there, and on a busy machine they wait for each
# other: 20 imputations of the demo took 30 CPU-s with the default threads, 3.2 with one. Set before
# numpy is first imported; a user's own setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
