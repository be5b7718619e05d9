"""The console as an admin's browser sees it: log in, the overview with a degraded station,
filters, a station's page, auto-refresh picking up a new heartbeat, logout, and a form with a
forged CSRF token refused."""

from __future__ import annotations

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import PASSWORD
from tests.unit.hub.conftest import KIOSK, OTHER_KIOSK, kiosk_headers

WAIT_S = 15


def heartbeat(hub, kiosk, **body):
    r = httpx.post(f"{hub.url}/v1/kiosks/{kiosk}/heartbeat", json=body, headers=kiosk_headers(kiosk), timeout=10)
    assert r.status_code == 204, r.text


def log_in(browser, hub, password=PASSWORD):
    browser.get(f"{hub.url}/console/login?lang=zh-Hans")  # kept in a cookie for the next pages
    browser.find_element(By.ID, "name").send_keys("gz-admin")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login").click()


def fleet(hub):
    heartbeat(hub, KIOSK, software_version="1.4.0", queue_depth=0, catalog_region="440105",
              devices={"printer": {"state": "ok", "detail": {"paper": "ok"}}, "card_reader": {"state": "ok"}},
              catalogs=[{"region": "440105", "version": 7, "state": "active"}], audit_head={"seq": 41, "hash": "c" * 64})
    heartbeat(hub, OTHER_KIOSK, software_version="1.3.2", queue_depth=5, oldest_pending_age_s=5400.0,
              catalog_region="440300",
              devices={"printer": {"state": "degraded", "detail": {"paper": "low"}}, "camera": {"state": "ok"}},
              catalogs=[{"region": "440300", "version": 3, "state": "expired"}])


def test_login_overview_filters_station_and_logout(browser, hub, shots):
    fleet(hub)
    browser.get(f"{hub.url}/console")
    assert browser.current_url.endswith("/console/login")
    browser.save_screenshot(str(shots / "login.png"))
    log_in(browser, hub, password="wrong")
    assert "用户名或密码错误" in browser.find_element(By.ID, "login-error").text
    log_in(browser, hub)
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "stations")))
    assert browser.find_element(By.ID, "count-degraded").text.endswith("1")
    row = browser.find_element(By.ID, f"station-{OTHER_KIOSK}")
    assert "降级" in row.text and "积压过久" in row.text and "目录已过期" in row.text
    time_cell = row.find_element(By.TAG_NAME, "time")
    assert time_cell.get_attribute("title").endswith("UTC")
    browser.save_screenshot(str(shots / "overview.png"))

    Select(browser.find_element(By.ID, "filter-state")).select_by_value("degraded")
    browser.find_element(By.ID, "filter").click()
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("state=degraded"))
    assert browser.find_elements(By.ID, f"station-{KIOSK}") == []
    assert browser.find_elements(By.ID, f"station-{OTHER_KIOSK}")
    Select(browser.find_element(By.ID, "filter-state")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-city")).select_by_value("GZ")
    browser.find_element(By.ID, "filter").click()
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("city=GZ"))
    assert browser.find_elements(By.ID, f"station-{KIOSK}") and not browser.find_elements(By.ID, f"station-{OTHER_KIOSK}")

    browser.get(f"{hub.url}/console/stations/{OTHER_KIOSK}?lang=en")
    assert browser.find_element(By.ID, "queue-depth").text == "5"
    assert "paper" in browser.find_element(By.ID, "device-printer").text
    assert "Catalog expired" in browser.find_element(By.ID, "station-alerts").text
    browser.save_screenshot(str(shots / "station.png"))

    browser.find_element(By.ID, "logout").click()
    WebDriverWait(browser, WAIT_S).until(ec.url_contains("/console/login"))
    browser.get(f"{hub.url}/console")
    assert browser.current_url.endswith("/console/login")


@pytest.mark.refresh_s(1)
def test_auto_refresh_picks_up_a_new_heartbeat(browser, hub):
    fleet(hub)
    log_in(browser, hub)
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "stations")))
    assert not browser.find_elements(By.ID, "station-ZS-SQ-0003")
    heartbeat(hub, KIOSK, software_version="1.4.1", devices={"printer": {"state": "down", "detail": {"paper": "out"}}})
    refreshed = WebDriverWait(browser, WAIT_S, ignored_exceptions=[StaleElementReferenceException])
    refreshed.until(lambda b: "打印机缺纸或故障" in b.find_element(By.ID, f"station-{KIOSK}").text)
    refreshed.until(lambda b: "1.4.1" in b.find_element(By.ID, f"station-{KIOSK}").text)
    refreshed.until(lambda b: b.find_element(By.ID, "count-down").text.endswith("1"))
    assert browser.current_url.endswith("/console")  # no reload: the script swapped the content in


def test_a_forged_csrf_token_is_refused(browser, hub):
    fleet(hub)
    log_in(browser, hub)
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "logout")))
    browser.execute_script("document.querySelector('form.logout input[name=csrf]').value = 'forged';")
    browser.find_element(By.ID, "logout").click()
    WebDriverWait(browser, WAIT_S).until(ec.presence_of_element_located((By.ID, "refused")))
    browser.get(f"{hub.url}/console")  # the forged logout did not log out
    assert browser.find_elements(By.ID, "stations")
