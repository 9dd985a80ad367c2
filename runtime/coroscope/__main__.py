"""python -m coroscope [--trace FILE] [--socket ADDR] [--blocking-ms N] SCRIPT [ARGS...]"""
import sys

# The supported floor (README "Python versions"; session/python.ts checks the same
# before running anything). Checked before any other runtime module is imported,
# so an older Python gets this line instead of a syntax error from deep inside.
MIN = (3, 9)


def _entry():
    if sys.version_info[:2] < MIN:
        sys.stderr.write("coroscope: Python %d.%d.%d is too old; Coroscope needs Python %d.%d or newer\n"
                         % (tuple(sys.version_info[:3]) + MIN))
        sys.exit(2)
    from coroscope.cli import main
    main(sys.argv[1:])


if __name__ == "__main__":
    _entry()
