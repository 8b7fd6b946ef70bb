"""The textclf binary this package carries, and running it.

The wheel holds the release binary (``bin/textclf``, the Swift runtime linked in) and the ICU
libraries it links (``lib/``), so that nothing beyond glibc and libstdc++ is needed from the
system. Every call goes through :func:`command` (the environment that finds those libraries)
and failures become :class:`TextclfError` with the command's own message.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import IO, Iterable, Sequence

_PACKAGE = Path(__file__).resolve().parent


class TextclfError(Exception):
    """An error reported by textclf: the message it printed (file, line, what to do).

    ``exit_status`` is the command's: 64 a bad argument, 65 bad data, 66 a file that cannot
    be read, 73 one that cannot be written.
    """

    def __init__(self, message: str, exit_status: int | None = None, command: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.exit_status = exit_status
        self.command = list(command)


class InvalidArgumentError(TextclfError, ValueError):
    """An option or argument textclf refuses (exit status 64)."""


class DataError(TextclfError, ValueError):
    """Bad input data: a malformed CSV, an unknown label, a damaged model (exit status 65)."""


class ReadError(TextclfError, OSError):
    """A file that cannot be read (exit status 66)."""


class WriteError(TextclfError, OSError):
    """A file that cannot be written, a full disk (exit status 73)."""


_ERRORS = {64: InvalidArgumentError, 65: DataError, 66: ReadError, 73: WriteError}


def executable() -> str:
    """The textclf binary: the wheel's, or ``$TEXTCLF`` (a build of the project) if set."""
    override = os.environ.get("TEXTCLF")
    if override:
        return override
    path = _PACKAGE / "bin" / "textclf"
    if not path.exists():
        raise TextclfError(f"the textclf binary is missing from the package ({path}): reinstall textclf")
    return str(path)


def environment(plain: bool = True) -> dict:
    """The environment for the binary: the wheel's ICU libraries first on the library path;
    `plain`, no colour codes in what Python reads."""
    env = dict(os.environ)
    libs = _PACKAGE / "lib"
    if libs.is_dir():
        env["LD_LIBRARY_PATH"] = str(libs) + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    if plain:
        env["NO_COLOR"] = "1"
    return env


def command(arguments: Sequence[str]) -> list:
    """The binary and `arguments`, as a list for subprocess."""
    return [executable(), *[str(a) for a in arguments]]


def error_from(stderr: str, status: int | None, arguments: Sequence[str]) -> TextclfError:
    """The exception for a failed command: its ``textclf: error:`` line(s) as the message."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [re.sub(r"^textclf: error: ", "", line) for line in lines if line.startswith("textclf: error:")]
    if errors:
        message = "\n".join(errors)
    elif any(line.startswith("Error: ") for line in lines):
        # ArgumentParser's own messages ("Error: Unknown option '--x'"), without the usage lines.
        message = "\n".join(line[len("Error: "):] for line in lines if line.startswith("Error: "))
    elif lines:
        message = "\n".join(lines[-6:])
    else:
        message = f"textclf {' '.join(arguments[:1])} failed (exit status {status})"
    return _ERRORS.get(status, TextclfError)(message, status, arguments)


def run(arguments: Sequence[str], *, progress: bool = False, input: bytes | None = None) -> str:
    """Runs textclf with `arguments` and returns its standard output.

    With `progress`, its standard error (the epochs of fit, for instance) is copied line by
    line to ``sys.stderr`` as it comes, which a terminal and a Jupyter cell both show live.
    """
    process = subprocess.Popen(command(arguments), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment())
    if input is not None:
        # A thread feeds the input so that a large one cannot block against a full output pipe.
        import threading

        def feed():
            try:
                process.stdin.write(input)
            except BrokenPipeError:
                pass
            finally:
                process.stdin.close()

        threading.Thread(target=feed, daemon=True).start()
    errors = []
    reader = _StreamCopy(process.stderr, sys.stderr if progress else None, errors)
    reader.start()
    out = process.stdout.read()
    status = process.wait()
    reader.join()
    if status != 0:
        raise error_from("".join(errors), status, list(arguments))
    return out.decode("utf-8")


class _StreamCopy:
    """Reads a pipe line by line on a thread, keeping the lines and optionally echoing them."""

    def __init__(self, pipe: IO[bytes], echo, keep: list):
        import threading

        self._thread = threading.Thread(target=self._copy, args=(pipe, echo, keep), daemon=True)

    def start(self):
        self._thread.start()

    def join(self):
        self._thread.join()

    @staticmethod
    def _copy(pipe, echo, keep):
        for raw in iter(pipe.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            keep.append(line)
            if len(keep) > 200:  # the end of a long log is what explains a failure
                del keep[:100]
            if echo is not None and not line.startswith(("textclf: error:", "Error: ", "Usage: ", "  See '")):
                echo.write(line)  # the error itself is the exception's message
                echo.flush()
        pipe.close()


def version() -> str:
    """``textclf --version``."""
    return run(["--version"]).strip()


def main(argv: Iterable[str] | None = None) -> int:
    """The ``textclf`` console script: the binary itself, with the wheel's libraries."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    os.execve(executable(), [executable(), *arguments], environment(plain=False))
    return 0  # not reached
