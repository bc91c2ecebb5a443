"""The web console at `/console` (docs/console.md) in a real browser: headless Chromium through selenium. A person
signs in through Nimbus's own OAuth pages (authorization code with PKCE, from the console's public app), sees their
things on the status screen, and readings a device publishes over MQTT (paho, as the Cayenne libraries do) appear
there without a reload. Screenshots of each screen are left in `IntegrationTests/artifacts/`."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Iterator

import pytest
import requests
from selenium.webdriver.common.by import By

from cayenne import Account, App, Cayenne
from console_browser import chromium, screenshot, visible, wait
from harness import NimbusServer
from test_cayenne_things import paho_client


@pytest.fixture(scope="module")
def console_server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    return server_factory(extra_args=["--console-project", f"console-{uuid.uuid4().hex[:8]}"])


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


def console_account(server: NimbusServer) -> Account:
    """An account signed up through the console's own app (its project is `--console-project`, sign-up allowed)."""
    config = requests.get(f"{server.base_url}/console/config.json", timeout=10).json()
    return Account(Cayenne(server), App(config["clientId"], None, [config["redirectUri"]], {}))


def sign_in(browser: Any, server: NimbusServer, account: Account) -> None:
    """From the console's first page through the sign-in and consent pages, back to the console."""
    browser.get(f"{server.base_url}/console/")
    visible(browser, "#sign-in").click()
    visible(browser, "input[type=email]").send_keys(account.user.email)
    browser.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(account.user.password)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit], form input[type=submit]").click()
    allow = visible(browser, "button[value=allow]")
    allow.click()
    wait(browser).until(lambda driver: driver.current_url.startswith(f"{server.base_url}/console/") and "code=" not in driver.current_url,
                        "back at the console, the code taken out of the address")


def test_the_status_screen_shows_readings_as_they_arrive(console_server: NimbusServer, browser: Any) -> None:
    account = console_account(console_server)
    tank = account.thing(name="Water tank")
    credentials = account.mqtt_credentials()
    device = paho_client(credentials, tank["id"])
    device.connect("127.0.0.1", console_server.mqtt_port)
    device.loop_start()
    try:
        first = device.publish(f"v1/{credentials['id']}/things/{tank['id']}/data/1", "temp,c=18.5", qos=1)
        first.wait_for_publish(timeout=5)

        sign_in(browser, console_server, account)
        card = visible(browser, "section.thing[aria-label='Water tank']")
        assert card.find_element(By.CSS_SELECTOR, "tr[data-channel='1'] td.value").text == "18.5", "the latest value when the screen opens"
        wait(browser).until(lambda driver: driver.find_element(By.ID, "live-state").get_attribute("data-state") == "live",
                            "the stream connected")
        # Marks this page: a reload would lose it.
        browser.execute_script("window.nimbusTestMark = 'same page'")
        later = device.publish(f"v1/{credentials['id']}/things/{tank['id']}/data/1", "temp,c=21.75", qos=1)
        later.wait_for_publish(timeout=5)
        value = "section.thing[aria-label='Water tank'] tr[data-channel='1'] td.value"
        wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, value).text == "21.75", "the new reading on the screen")
        assert browser.execute_script("return window.nimbusTestMark") == "same page", "updated without a reload"
        # A channel the screen had not shown yet gets a row of its own.
        device.publish(f"v1/{credentials['id']}/things/{tank['id']}/data/2", "rel_hum,p=40", qos=1).wait_for_publish(timeout=5)
        wait(browser).until(
            lambda driver: driver.find_elements(By.CSS_SELECTOR, "section.thing[aria-label='Water tank'] tr[data-channel='2'] td.value"),
            "the new channel's row")
        time.sleep(1.3)  # the highlight of a changed value fades before the picture
        screenshot(browser, "console-status")
    finally:
        device.loop_stop()
        device.disconnect()


def test_signing_out_revokes_the_sign_in(console_server: NimbusServer, browser: Any) -> None:
    account = console_account(console_server)
    sign_in(browser, console_server, account)
    visible(browser, "#live-state")
    refresh = browser.execute_script("return sessionStorage.getItem('nimbus.console.refresh')")
    assert refresh, "the refresh token waits in this tab's session storage"
    assert browser.execute_script("return localStorage.length") == 0, "nothing in local storage"
    visible(browser, "#sign-out").click()
    visible(browser, "#sign-in")
    assert not browser.find_element(By.ID, "sign-out").is_displayed(), "the signed-in menu is gone"
    assert browser.execute_script("return sessionStorage.getItem('nimbus.console.refresh')") is None
    client_id = requests.get(f"{console_server.base_url}/console/config.json", timeout=10).json()["clientId"]
    answer = requests.post(f"{console_server.base_url}/cayenne/oauth/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", "the revoked refresh token no longer works"
    screenshot(browser, "console-signed-out")


def test_the_console_is_served_with_a_strict_policy(console_server: NimbusServer) -> None:
    base = console_server.base_url
    page = requests.get(f"{base}/console/", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page.text and "onclick" not in page.text, "no inline script"
    script = requests.get(f"{base}/console/js/app.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(f"{base}/console/js/nothing.js", timeout=10).status_code == 404
    assert requests.get(f"{base}/console/%2e%2e/%2e%2e/etc/passwd", timeout=10).status_code == 404
