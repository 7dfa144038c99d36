"""JupyterLab in a real browser: a JupyterLab server started from this environment on a free loopback port, with a
fresh settings and workspace directory and its own token, and Debian's Chromium driven by Playwright.

Without Chromium (or Playwright) these tests are skipped with the reason; in CI (``CI=true``) they fail instead.
Screenshots go to ``test-artifacts/browser/`` (not committed).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Where Debian (and most Linux distributions) install Chromium; SUMKIT_CHROMIUM names another binary.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The settings every test session starts from (on top of binder/overrides.json, which the server also reads):
# no autosave (the notebooks are copies, but nothing should be written behind the test's back), and every cell
# attached to the page so that the test sees all outputs.
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def require(condition: object, reason: str) -> None:
    """Skip (on a developer's machine) or fail (in CI, where the browser tests must run) unless ``condition``."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the browser tests may not be skipped)")
        pytest.skip(reason)


def find_chromium() -> str | None:
    explicit = os.environ.get("SUMKIT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server: its URL, token, and the directory of notebook copies it serves."""

    url: str
    token: str
    root: Path
    log: Path

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every notebook's kernel, so that the next test has the CPU."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    require(path, "Chromium not found: install it (Debian: apt-get install chromium) or set SUMKIT_CHROMIUM to "
                  "run the browser tests")
    return path


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)  # JupyterLab works on copies: the committed notebooks stay stripped
    settings, app_settings = base / "user-settings", base / "app-settings"
    for plugin, values in USER_SETTINGS.items():
        package, name = plugin.split(":")
        (settings / package).mkdir(parents=True, exist_ok=True)
        (settings / package / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    app_settings.mkdir()
    shutil.copy(ROOT / "binder" / "overrides.json", app_settings / "overrides.json")  # as on Binder: no news pop-up
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    log = base / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabServerApp.app_settings_dir={app_settings}",
               "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: the test reads the notebook's outputs
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                lab.api("status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.25)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")  # not longer: playwright's event loop would stay on for the tests after these
def browser(chromium: str) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, lab: Lab) -> Iterator[object]:
    """A fresh browser page; afterwards every kernel is stopped."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
        lab.shutdown_kernels()
