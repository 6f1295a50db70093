#!/usr/bin/env python
"""Django's manage.py, for those used to it; `trellis` does the same."""

from trellis.cli import main

if __name__ == "__main__":
    main()
