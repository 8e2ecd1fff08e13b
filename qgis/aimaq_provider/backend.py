"""How the algorithms reach aimaq: the `aimaq` Python package in-process when QGIS's Python
imports it (installed, or bundled in the plugin's lib/), else the `aimaq` binary, found in
the provider's settings (Processing → Options → Providers → aimaq), then on PATH, then in
the plugin's folder. The binary's progress (`--progress json`) goes to the Processing
feedback, and Cancel stops it."""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from qgis.core import QgsProcessingException

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY_SETTING = "AIMAQ_BINARY"
PACKAGE_SETTING = "AIMAQ_USE_PACKAGE"
EXE = "aimaq.exe" if os.name == "nt" else "aimaq"


def _setting(name, default=None):
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # Processing's Python side is not loaded: no settings
        return default
    value = ProcessingConfig.getSetting(name)
    return default if value is None or value == "" else value


def package():
    """The aimaq package, or None when QGIS's Python has none (and the binary will do)."""
    if str(_setting(PACKAGE_SETTING, True)).lower() in ("false", "0"):
        return None
    try:
        import aimaq

        return aimaq
    except ImportError:
        pass
    bundled = os.path.join(HERE, "lib")
    if os.path.isdir(bundled):
        if bundled not in sys.path:
            sys.path.insert(0, bundled)
        try:
            import aimaq

            return aimaq
        except ImportError:
            return None
    return None


def _runnable(path):
    return path and os.path.isfile(path) and os.access(path, os.X_OK)


def binary():
    """The `aimaq` binary: the provider's setting, then PATH, then the plugin's folder."""
    configured = _setting(BINARY_SETTING)
    if configured:
        if not _runnable(configured):
            raise QgsProcessingException(
                f"the aimaq binary set in Processing → Options → Providers → aimaq, "
                f"{configured}, is not an executable file"
            )
        return configured
    found = shutil.which("aimaq")
    if found:
        return found
    for candidate in (os.path.join(HERE, "bin", EXE), os.path.join(HERE, EXE)):
        if os.path.isfile(candidate) and not _runnable(candidate) and os.name != "nt":
            # "Install from ZIP" unpacks without Unix modes: the bundled binary is ours
            try:
                os.chmod(candidate, os.stat(candidate).st_mode | 0o755)
            except OSError:
                pass
        if _runnable(candidate):
            return candidate
    raise QgsProcessingException(
        "neither the aimaq Python package nor the aimaq binary was found: install the "
        "binary (`cargo install --path crates/aimaq-cli`, or the aimaq .deb) on PATH, or "
        "set its path in Processing → Options → Providers → aimaq, or install the package "
        "into QGIS's Python (`pip install ./crates/aimaq-py`)"
    )


def _stop(proc):
    """Stops the child as Ctrl-C would (it then removes its partial output), killing it
    if it has not stopped within 5 s."""
    try:
        if os.name == "nt":
            proc.terminate()
        else:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except OSError:
        pass


def run(args, feedback, progress=False):
    """Runs the binary with `args` and returns its standard output. Its JSON progress
    lines go to `feedback` as a percentage, its other lines of standard error to the log;
    Cancel stops it. Exit 0 and 2 (some records errored, the output is complete) are
    success; any other status raises with what the binary said."""
    exe = binary()
    feedback.pushCommandInfo(" ".join([exe, *args]))
    env = dict(os.environ)
    env.setdefault("NO_COLOR", "1")
    proc = subprocess.Popen(
        [exe, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    out, said = [], []
    # the readers only queue what they read: the feedback is told from this thread, the
    # algorithm's own
    lines = queue.Queue()

    def read_stdout():
        for raw in proc.stdout:
            out.append(raw.decode("utf-8", "replace"))

    def read_stderr():
        for raw in proc.stderr:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))

    def tell():
        while True:
            try:
                line = lines.get_nowait()
            except queue.Empty:
                return
            if progress and line.startswith('{"progress"'):
                try:
                    p = json.loads(line)["progress"]
                except (ValueError, KeyError):
                    p = None
                if isinstance(p, dict) and p.get("total"):
                    feedback.setProgress(100.0 * p["done"] / p["total"])
                elif p == "finishing":
                    feedback.setProgressText("completing the report (spatial indexes)")
                continue
            said.append(line)
            feedback.pushConsoleInfo(line)

    readers = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for t in readers:
        t.start()
    cancelled = False
    while proc.poll() is None:
        tell()
        if feedback.isCanceled():
            cancelled = True
            _stop(proc)
            break
        time.sleep(0.1)
    for t in readers:
        t.join(timeout=5)
    proc.stdout.close()
    proc.stderr.close()
    if not cancelled:
        tell()
    if cancelled:
        raise QgsProcessingException("cancelled: the aimaq binary was stopped, nothing was written")
    if proc.returncode not in (0, 2):
        message = "\n".join(said[-20:]).strip() or f"exit status {proc.returncode}"
        raise QgsProcessingException(f"aimaq failed (exit {proc.returncode}): {message}")
    return "".join(out)
