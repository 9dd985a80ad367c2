"""python -m coroscope [--trace FILE] [--socket ADDR] [--blocking-ms N] SCRIPT [ARGS...]"""
import sys


def _entry():
    from coroscope.cli import main
    main(sys.argv[1:])


if __name__ == "__main__":
    _entry()
