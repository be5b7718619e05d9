"""The fleet console in a real headless Chromium: Debian's `chromium` driven by Selenium
through the system `chromedriver` (Selenium is given its path, so it downloads nothing),
against the hub served by uvicorn on a free loopback port (SQLite; the console's HTTP tests
run on both engines).

Set FLEET_SCREENSHOTS=DIR to keep the screenshots the tests take (docs/fleet.md's come from
`FLEET_SCREENSHOTS=docs/fleet .venv/bin/python -m pytest tests/browser`); otherwise they go to
the test's temporary directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from hub.app import create_app
from hub.console.config import ConsoleConfig
from hub.console.passwords import hash_password
from hub.server import running
from tests.unit.hub.conftest import ADMIN_TOKEN, TOKENS, keys  # noqa: F401  (fixture)

PASSWORD = "browser-test-password"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    for binary in (CHROMEDRIVER, CHROMIUM):
        if not shutil.which(binary):
            pytest.fail(f"{binary} missing: run scripts/setup.sh (Debian packages chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,860", "--lang=zh-CN", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def hub(request, tmp_path, keys):  # noqa: F811
    """The hub; its pages refresh every second with `@pytest.mark.refresh_s(1)`, else every minute
    (so that elements a test holds do not go stale under it)."""
    marker = request.node.get_closest_marker("refresh_s")
    app = create_app(
        tmp_path / "hub.sqlite3",
        private_key_b64=keys.sealing_private,
        admin_token=ADMIN_TOKEN,
        kiosk_tokens=TOKENS,
        console=ConsoleConfig(admins={"gz-admin": hash_password(PASSWORD)},
                              refresh_s=marker.args[0] if marker else 60.0),
    )
    with running(app) as live:
        yield live


@pytest.fixture
def shots(tmp_path) -> Path:
    chosen = os.environ.get("FLEET_SCREENSHOTS")
    target = Path(chosen) if chosen else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture(autouse=True)
def fresh_browser(browser):
    browser.delete_all_cookies()
    yield
