"""``python -m ipseval``: the same command line as ``ipseval``."""

from ipseval.cli import main

if __name__ == "__main__":
    main()
