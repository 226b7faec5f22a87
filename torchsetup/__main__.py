"""`python -m torchsetup`."""

from __future__ import annotations

from torchsetup.cli import main

if __name__ == "__main__":
    main()
