"""ipseval: evaluate an Individual Placement and Support (IPS) employment service from its records."""

__version__ = "0.1.0"
