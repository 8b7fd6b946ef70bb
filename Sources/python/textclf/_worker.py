"""A long-lived ``textclf predict`` process that answers texts as they are written to it.

``textclf predict MODEL - --format jsonl --probabilities`` reads CSV rows from its standard
input and prints each row's answer as soon as its input pauses, in input order, so one
process serves every call on a model: it opens the model once, and a call costs only its
texts. Texts go in as CSV (any character, newlines included, survives quoting); each row's
id is a running number, checked on the way back, so an answer can never be matched to the
wrong text. A writer thread feeds the texts while the caller reads the answers: neither pipe
can fill up against the other, and neither side holds more than a pipe's worth at a time.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import threading
from typing import Iterable, Iterator, Sequence

from . import _binary


class PredictWorker:
    """One ``textclf predict`` process for one model and decision options."""

    def __init__(self, model_directory: str, options: Sequence[str] = ()):
        self._arguments = ["predict", model_directory, "-", "--format", "jsonl", "--probabilities",
                           "--id-column", "id", *options]
        self._process: subprocess.Popen | None = None
        self._errors: list = []
        self._next_id = 0
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._errors = []
            self._process = subprocess.Popen(_binary.command(self._arguments), stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_binary.environment())
            self._stderr = _binary._StreamCopy(self._process.stderr, None, self._errors)
            self._stderr.start()
            self._process.stdin.write(b"id,text\n")
            self._process.stdin.flush()
        return self._process

    def _failure(self) -> _binary.TextclfError:
        process = self._process
        status = process.wait() if process is not None else None
        if process is not None:
            self._stderr.join()
        self._process = None
        return _binary.error_from("".join(self._errors), status, self._arguments)

    def predict(self, texts: Iterable[str]) -> Iterator[dict]:
        """Each text's answer, the object ``predict --format jsonl --probabilities`` prints
        (``label`` or ``labels``, ``probability``, ``probabilities``), in order, as they come."""
        with self._lock:
            process = self._start()
            first = self._next_id
            # After the texts, a row the reader stops at: it needs no count of what was written.
            end = f"end-{first}"
            failure: list = []

            def feed():
                row = io.StringIO()
                writer = csv.writer(row, lineterminator="\n")
                k = 0
                try:
                    for k, text in enumerate(texts):
                        if not isinstance(text, str):
                            raise TypeError(f"text {k} is a {type(text).__name__}, not a str")
                        row.seek(0)
                        row.truncate()
                        writer.writerow((first + k, text))
                        try:
                            process.stdin.write(row.getvalue().encode("utf-8"))
                        except UnicodeEncodeError as error:
                            raise ValueError(f"text {k} is not valid Unicode ({error.reason}): "
                                             "remove lone surrogates before predicting") from None
                except (BrokenPipeError, OSError):
                    return  # the process ended; the reader reports its message
                except Exception as error:  # a bad text: the caller gets it once the rest drains
                    failure.append(error)
                try:
                    process.stdin.write(f"{end},\n".encode())
                    process.stdin.flush()
                except OSError:
                    pass

            thread = threading.Thread(target=feed, daemon=True)
            thread.start()
            received = 0
            finished = False
            try:
                while True:
                    line = process.stdout.readline()
                    if not line:
                        raise self._failure()
                    answer = json.loads(line)
                    if answer.get("id") == end:
                        finished = True
                        break
                    if answer.get("id") != str(first + received):
                        raise _binary.TextclfError(f"textclf predict answered row {answer.get('id')} where "
                                                   f"{first + received} was expected")
                    received += 1
                    if not failure:
                        yield answer
            finally:
                if not finished and self._process is not None:
                    # Stopped early (an error, or the caller left): the process still owes
                    # answers, and the writer may be blocked on it, so it is ended, not reused.
                    self._process.kill()
                thread.join()
                self._next_id = first + received + 1
                if not finished:
                    self.close()
            if failure:
                raise failure[0]

    def close(self):
        """Ends the process (it exits when its input closes)."""
        process, self._process = self._process, None
        if process is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
