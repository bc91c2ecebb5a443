"""The web console at `/console` (docs/console.md) in a real browser: headless Chromium through selenium. A person
signs in through Nimbus's own OAuth pages (authorization code with PKCE, from the console's public app), sees their
things on the status screen, and readings a device publishes over MQTT (paho, as the Cayenne libraries do) appear
there without a reload. Screenshots of each screen are left in `IntegrationTests/artifacts/`."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from types import SimpleNamespace
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from cayenne import Account, App, Cayenne, reset_link
from console_browser import chromium, screenshot, visible, wait
from harness import NimbusServer
from test_cayenne_limits import push
from test_cayenne_things import paho_client
from world import PASSWORD, unique_email


@pytest.fixture(scope="module")
def console_server(server_factory: Callable[..., NimbusServer]) -> NimbusServer:
    return server_factory(extra_args=["--console-project", f"console-{uuid.uuid4().hex[:8]}"])


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


@pytest.fixture
def browser(downloads: Path) -> Iterator[Any]:
    driver = chromium(downloads)
    try:
        yield driver
    finally:
        driver.quit()


def console_account(server: NimbusServer) -> Account:
    """An account signed up through the console's own app (its project is `--console-project`, sign-up allowed)."""
    config = requests.get(f"{server.base_url}/console/config.json", timeout=10).json()
    return Account(Cayenne(server), App(config["clientId"], None, [config["redirectUri"]], {}))


@contextmanager
def cayenne_device(server: NimbusServer, credentials: dict[str, Any], thing_id: str, on_message: Any = None) -> Iterator[Any]:
    """A thing's device on the server's MQTT listener, connected as the Cayenne libraries connect (paho, MQTT 3.1)."""
    device = paho_client(credentials, thing_id)
    if on_message is not None:
        device.on_message = on_message
    device.connect("127.0.0.1", server.mqtt_port)
    device.loop_start()
    try:
        yield device
    finally:
        device.loop_stop()
        device.disconnect()


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
    with cayenne_device(console_server, credentials, tank["id"]) as device:
        first = device.publish(f"v1/{credentials['id']}/things/{tank['id']}/data/1", "temp,c=18.5", qos=1)
        first.wait_for_publish(timeout=5)

        sign_in(browser, console_server, account)
        card = visible(browser, "section.thing[aria-label='Water tank']")
        assert card.find_element(By.CSS_SELECTOR, "h2 .online").text == "online", "the device is connected"
        assert card.find_element(By.CSS_SELECTOR, "tr[data-channel='1'] td.value").text == "18.5", "the latest value when the screen opens"
        assert card.find_element(By.CSS_SELECTOR, "tr[data-channel='1'] td.unit").text == "Celsius", "the unit's label, as the stream names it"
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


def test_an_actuator_is_switched_from_the_status_screen(console_server: NimbusServer, browser: Any) -> None:
    """The pump's relay (a digital actuator on channel 3) answers each command as the Cayenne libraries do (`ok,<seq>`
    on `response`) and then reports its new state; the screen shows the command's status and the new state."""
    account = console_account(console_server)
    pump = account.thing(name="Pump")
    credentials = account.mqtt_credentials()
    prefix = f"v1/{credentials['id']}/things/{pump['id']}/"
    received: list[tuple[str, str]] = []

    def obey(client: Any, userdata: Any, message: Any) -> None:
        seq, value = message.payload.decode().split(",")
        received.append((message.topic, value))
        client.publish(prefix + "response", f"ok,{seq}", qos=1)
        client.publish(prefix + "data/3", f"digital_actuator,d={value}", qos=1)

    with cayenne_device(console_server, credentials, pump["id"], on_message=obey) as device:
        device.subscribe(prefix + "cmd/+", qos=1)
        device.publish(prefix + "data/3", "digital_actuator,d=0", qos=1).wait_for_publish(timeout=5)
        sign_in(browser, console_server, account)
        row = "section.thing[aria-label='Pump'] tr[data-channel='3']"
        toggle = visible(browser, f"{row} button.toggle")
        assert toggle.get_attribute("aria-pressed") == "false" and toggle.text == "Turn on"
        wait(browser).until(lambda driver: driver.find_element(By.ID, "live-state").get_attribute("data-state") == "live", "the stream")
        toggle.click()
        status = f"{row} .command-status"
        wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, status).get_attribute("data-status") == "ok",
                            "the command answered ok")
        assert received == [(prefix + "cmd/3", "1")], "the device got one command: channel 3 on"
        wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, f"{row} button.toggle").get_attribute("aria-pressed") == "true",
                            "the relay's new state")
        assert browser.find_element(By.CSS_SELECTOR, f"{row} .reading").text == "1"
        screenshot(browser, "console-actuator")


def test_a_channels_history_is_charted_and_downloads_as_csv(console_server: NimbusServer, browser: Any, downloads: Path) -> None:
    """Twelve readings of a boiler's channel: the history screen (reached from the status screen's channel link) charts
    twelve points over the last day and the last hour, lists them, and its CSV download holds the same twelve."""
    account = console_account(console_server)
    boiler = account.thing(name="Boiler")
    credentials = account.mqtt_credentials()
    values = [20 + index * 0.5 for index in range(12)]
    with cayenne_device(console_server, credentials, boiler["id"]) as device:
        for value in values:
            device.publish(f"v1/{credentials['id']}/things/{boiler['id']}/data/1", f"temp,c={value}", qos=1).wait_for_publish(timeout=5)
    sign_in(browser, console_server, account)
    visible(browser, "section.thing[aria-label='Boiler'] tr[data-channel='1'] td a").click()
    wait(browser).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "svg.chart circle.point")) == 12, "twelve points on the chart")
    assert "12 readings" in browser.find_element(By.ID, "history-summary").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.history tbody tr")) == 12
    shown = sorted(float(cell.text) for cell in browser.find_elements(By.CSS_SELECTOR, "table.history td.value"))
    assert shown == values
    screenshot(browser, "console-history")

    browser.find_element(By.ID, "download-csv").click()
    wait(browser).until(lambda driver: [path for path in downloads.glob("*.csv")], "the CSV file")
    path = next(downloads.glob("*.csv"))
    wait(browser).until(lambda driver: path.stat().st_size > 0 and not list(downloads.glob("*.crdownload")), "the download to finish")
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert sorted(float(row["value"]) for row in rows) == values
    assert {row["channel"] for row in rows} == {"1"} and {row["unit"] for row in rows} == {"c"}

    browser.find_element(By.CSS_SELECTOR, "a[data-range=hour]").click()
    wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, "a[data-range=hour]").get_attribute("aria-current") == "page",
                        "the hour's range")
    wait(browser).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "svg.chart circle.point")) == 12, "the same points in the last hour")


def test_an_alert_made_on_the_screen_mails_and_counts_its_runs(console_server: NimbusServer, browser: Any) -> None:
    """An alert made with the form (tank level below 20, email) fires on a reading over MQTT: the mail reaches the SMTP
    sink, the list's run count goes to 1 without a reload, and the alert's history shows what it did."""
    account = console_account(console_server)
    tank = account.thing(name="Tank")
    credentials = account.mqtt_credentials()
    driver_email = unique_email()
    topic = f"v1/{credentials['id']}/things/{tank['id']}/data/1"
    with cayenne_device(console_server, credentials, tank["id"]) as device:
        device.publish(topic, "tank,p=50", qos=1).wait_for_publish(timeout=5)
        sign_in(browser, console_server, account)
        visible(browser, "#nav a[data-screen=alerts]").click()
        visible(browser, "#new-alert").click()
        visible(browser, "input[name=title]").send_keys("Tank low")
        wait(browser).until(lambda driver: [o for o in driver.find_elements(By.CSS_SELECTOR, "select[name=channel] option") if o.get_attribute("value") == "1"],
                            "channel 1 offered")
        Select(browser.find_element(By.NAME, "channel")).select_by_value("1")
        Select(browser.find_element(By.NAME, "operator")).select_by_value("lt")
        browser.find_element(By.NAME, "value").send_keys("20")
        browser.find_element(By.NAME, "email").send_keys(driver_email)
        screenshot(browser, "console-alert-form")
        browser.find_element(By.CSS_SELECTOR, ".alert-form button[type=submit]").click()
        row = "table.rules tbody tr"
        wait(browser).until(lambda driver: "Tank low" in driver.find_element(By.CSS_SELECTOR, row).text, "the new alert listed")
        assert browser.find_element(By.CSS_SELECTOR, f"{row} td.runs").text == "0"
        assert "Tank channel 1 below 20" in browser.find_element(By.CSS_SELECTOR, row).text

        device.publish(topic, "tank,p=15", qos=1).wait_for_publish(timeout=5)
        mail = console_server.mailbox.pop(driver_email)
        assert "Tank low" in mail.subject and "15" in mail.text
        wait(browser, 20).until(lambda driver: driver.find_element(By.CSS_SELECTOR, f"{row} td.runs").text == "1", "the run count, refreshed")
        screenshot(browser, "console-alerts")
        browser.find_element(By.LINK_TEXT, "Tank low").click()
        wait(browser).until(lambda driver: "email" in driver.find_element(By.ID, "main").text and "queued" in driver.find_element(By.ID, "main").text,
                            "the firing in the alert's history")

        # Switched off from the list, then edited: the store has what the screen did.
        browser.find_element(By.LINK_TEXT, "All alerts").click()
        visible(browser, f"{row} input[type=checkbox]").click()
        rule_id = browser.find_element(By.CSS_SELECTOR, row).get_attribute("data-rule-id")
        wait(browser).until(lambda driver: account.call("GET", f"/rules/{rule_id}").json()["enabled"] is False, "the alert switched off")
        browser.find_element(By.LINK_TEXT, "Edit").click()
        threshold = visible(browser, "input[name=value]")
        assert threshold.get_attribute("value") == "20", "the form shows the alert as it is"
        threshold.clear()
        threshold.send_keys("10")
        browser.find_element(By.CSS_SELECTOR, ".alert-form button[type=submit]").click()
        wait(browser).until(lambda driver: "below 10" in driver.find_element(By.CSS_SELECTOR, row).text, "the edited alert listed")
        rule = account.call("GET", f"/rules/{rule_id}").json()
        assert rule["triggers"][0]["conditions"][0]["value"] in ("10", 10) and rule["notifications"][0]["value"] == driver_email


def test_a_view_only_person_sees_no_controls_and_is_refused(console_server: NimbusServer, browser: Any) -> None:
    """A person the owner added with view-only permissions sees the pump's state but no switch, the alerts but no way
    to make or change one, and no Users screen; a command sent straight to the API with their token is refused."""
    owner = console_account(console_server)
    pump = owner.thing(name="Pump")
    credentials = owner.mqtt_credentials()
    with cayenne_device(console_server, credentials, pump["id"]) as device:
        device.publish(f"v1/{credentials['id']}/things/{pump['id']}/data/3", "digital_actuator,d=0", qos=1).wait_for_publish(timeout=5)
    rule = owner.call("POST", "/rules", json={"title": "Pump on", "triggers": [
        {"id": pump["id"], "channel": "3", "conditions": [{"operator": "eq", "value": "1"}]}]})
    assert rule.status_code == 201, rule.text
    email = unique_email()
    added = owner.call_auth("POST", "/cayenne/users", json={
        "first_name": "Vic", "last_name": "Viewer", "email": email, "password": PASSWORD, "permission_role_id": 3,
        "permissions": {"devices": ["view"], "rules": ["view"], "jobs": ["view"], "alerts": ["view"]}})
    assert added.status_code == 201, added.text
    viewer = SimpleNamespace(user=SimpleNamespace(email=email, password=PASSWORD))

    sign_in(browser, console_server, viewer)
    visible(browser, "section.thing[aria-label='Pump'] tr[data-channel='3'] .reading")
    assert browser.find_elements(By.CSS_SELECTOR, "button.toggle") == [], "no switch without devices: add_edit"
    assert not browser.find_element(By.CSS_SELECTOR, "#nav a[data-screen=users]").is_displayed(), "no Users screen without users: view"
    screenshot(browser, "console-view-only")
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-screen=alerts]").click()
    wait(browser).until(lambda driver: "Pump on" in driver.find_element(By.ID, "main").text, "the alert listed")
    assert browser.find_elements(By.ID, "new-alert") == [] and browser.find_elements(By.LINK_TEXT, "Edit") == []
    assert browser.find_elements(By.XPATH, "//button[text()='Delete']") == []
    assert browser.find_element(By.CSS_SELECTOR, "table.rules input[type=checkbox]").get_attribute("disabled") is not None

    client_id = requests.get(f"{console_server.base_url}/console/config.json", timeout=10).json()["clientId"]
    token = requests.post(f"{console_server.base_url}/cayenne/oauth/token", timeout=10, data={
        "grant_type": "password", "username": email, "password": PASSWORD, "client_id": client_id}).json()["access_token"]
    refused = requests.post(f"{console_server.base_url}/cayenne/v1.1/things/{pump['id']}/cmd", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, json={"channel": 3, "value": 1})
    assert refused.status_code == 403, refused.text


def test_the_owner_adds_a_person_and_changes_their_role(console_server: NimbusServer, browser: Any) -> None:
    owner = console_account(console_server)
    sign_in(browser, console_server, owner)
    visible(browser, "#nav a[data-screen=users]").click()
    form = visible(browser, "#add-user")
    email = unique_email()
    for name, value in (("first_name", "Ada"), ("last_name", "Admin"), ("email", email), ("password", PASSWORD)):
        form.find_element(By.NAME, name).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda driver: email in driver.find_element(By.CSS_SELECTOR, "table.users").text, "the new person listed")
    row = next(row for row in browser.find_elements(By.CSS_SELECTOR, "table.users tbody tr") if email in row.text)
    user_id = row.get_attribute("data-user-id")
    assert "devices: view, add_edit, delete" in row.text, "the role user's permissions, spelled out"
    Select(row.find_element(By.TAG_NAME, "select")).select_by_visible_text("admin")
    wait(browser).until(lambda driver: owner.call_auth("GET", f"/cayenne/users/{user_id}/permissions").json()["permission_role_id"] == 2,
                        "the new role stored")
    screenshot(browser, "console-users")

    # Feature by feature: devices down to view only.
    row = f"table.users tbody tr[data-user-id='{user_id}']"
    visible(browser, f"{row} button.edit-permissions").click()
    for access in ("add_edit", "delete"):
        box = visible(browser, f"{row} input[data-feature=devices][data-access={access}]")
        assert box.is_selected()
        box.click()
    screenshot(browser, "console-permissions")
    browser.find_element(By.CSS_SELECTOR, f"{row} button.save-permissions").click()
    wait(browser).until(lambda driver: owner.call_auth("GET", f"/cayenne/users/{user_id}/permissions").json()["permissions"]["devices"] == ["view"],
                        "devices: view only, stored")
    wait(browser).until(lambda driver: "devices: view;" in driver.find_element(By.CSS_SELECTOR, row).text, "the list shows it")


def test_devices_are_added_paired_and_provisioned_from_the_screen(console_server: NimbusServer, browser: Any, tmp_path: Path) -> None:
    """A device added on the screen connects with the credentials the screen shows and its reading reaches the status
    screen; a provisioned hardware id is paired by the form; a CSV file provisions two more, one result a row."""
    owner = console_account(console_server)
    sign_in(browser, console_server, owner)
    visible(browser, "#nav a[data-screen=devices]").click()
    form = visible(browser, "#add-device")
    form.find_element(By.NAME, "name").send_keys("Greenhouse")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shown = {field: visible(browser, f"#new-device dd[data-field='{field}'] code").text for field in ("Username", "Password", "Client id", "MQTT port")}
    credentials = owner.mqtt_credentials()
    assert shown["Username"] == credentials["id"] and shown["Password"] == credentials["clear_secret"]
    assert shown["MQTT port"] == str(console_server.mqtt_port)
    assert shown["Client id"] in browser.find_element(By.CSS_SELECTOR, "#new-device .snippet pre").text
    screenshot(browser, "console-devices")
    with cayenne_device(console_server, {"id": shown["Username"], "clear_secret": shown["Password"]}, shown["Client id"]) as device:
        device.publish(f"v1/{shown['Username']}/things/{shown['Client id']}/data/1", "temp,c=30.5", qos=1).wait_for_publish(timeout=5)

    hardware_id = uuid.uuid4().hex[:16].upper()
    assert owner.call("POST", "/things/registry", json={"hardware_id": hardware_id}).status_code == 201
    pair = browser.find_element(By.ID, "pair-device")
    pair.find_element(By.NAME, "hardware_id").send_keys(hardware_id)
    pair.find_element(By.NAME, "name").send_keys("Field sensor")
    pair.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    visible(browser, "#pair-result .done")

    sheet = tmp_path / "devices.csv"
    batch = [uuid.uuid4().hex[:16].upper() for _ in range(2)]
    sheet.write_text("hardware_id,device_type_id,codec\n" + "".join(f"{hardware},,\n" for hardware in batch))
    upload = browser.find_element(By.ID, "import-devices")
    upload.find_element(By.NAME, "file").send_keys(str(sheet))
    upload.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "#import-result tbody tr")) == 2, "a result a row")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#import-result tbody tr")]
    assert all(hardware in row and "PENDING" in row for hardware, row in zip(batch, rows)), rows

    browser.find_element(By.CSS_SELECTOR, "#nav a[data-screen=status]").click()
    value = "section.thing[aria-label='Greenhouse'] tr[data-channel='1'] td.value"
    wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, value).text == "30.5", "the new device's reading")
    visible(browser, "section.thing[aria-label='Field sensor']")


def test_the_map_shows_things_their_track_and_what_a_point_read(console_server: NimbusServer, browser: Any) -> None:
    """A car reports three GPS fixes (the MQTT libraries' `gps` type) and a temperature: the map marks it, its track has
    three points, and a point lists the readings of that moment. Without a tile server the map draws on a plain
    background (no tile is asked for)."""
    account = console_account(console_server)
    car = account.thing(name="Car")
    credentials = account.mqtt_credentials()
    prefix = f"v1/{credentials['id']}/things/{car['id']}/data/"
    with cayenne_device(console_server, credentials, car["id"]) as device:
        for latitude, longitude in ((48.85, 2.35), (48.86, 2.36), (48.87, 2.38)):
            device.publish(prefix + "5", f"gps,m={latitude},{longitude},35", qos=1).wait_for_publish(timeout=5)
        device.publish(prefix + "1", "temp,c=21.5", qos=1).wait_for_publish(timeout=5)
    sign_in(browser, console_server, account)
    visible(browser, "#nav a[data-screen=map]").click()
    visible(browser, f"svg.map a.marker[data-thing-id='{car['id']}']").click()
    wait(browser).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "svg.map circle.track-point")) == 3, "the three fixes")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.map image.tile") == [], "no tiles without console-tile-url"
    browser.find_elements(By.CSS_SELECTOR, "svg.map circle.track-point")[-1].click()
    wait(browser).until(lambda driver: "21.5" in driver.find_element(By.ID, "point-readings").text, "what was read then")
    assert "48.87" in browser.find_element(By.ID, "point-readings").text
    screenshot(browser, "console-map")


def test_a_tile_server_is_allowed_by_the_policy(server_factory: Callable[..., NimbusServer]) -> None:
    tiles = "https://tiles.example.test/{z}/{x}/{y}.png"
    server = server_factory(extra_args=["--console-tile-url", tiles])
    page = requests.get(f"{server.base_url}/console/", timeout=10)
    assert "img-src 'self' data: https://tiles.example.test;" in page.headers["Content-Security-Policy"]
    assert requests.get(f"{server.base_url}/console/config.json", timeout=10).json()["tileUrl"] == tiles


def test_a_schedule_is_made_switched_and_edited_on_the_screen(console_server: NimbusServer, browser: Any) -> None:
    """A daily schedule that switches the pump on and mails someone, made with the form: the list shows it with its next
    run, and switching it off and making it every two days reach the store."""
    account = console_account(console_server)
    pump = account.thing(name="Pump")
    assert push(account, pump["id"], [{"channel": 3, "value": 0}]).status_code == 200, "the pump's channel 3, as its device makes it"
    farmer = unique_email()
    sign_in(browser, console_server, account)
    visible(browser, "#nav a[data-screen=schedules]").click()
    visible(browser, "#new-schedule").click()
    form = visible(browser, "#schedule-form")
    form.find_element(By.NAME, "title").send_keys("Pump on")
    Select(form.find_element(By.NAME, "type")).select_by_value("interval")
    Select(form.find_element(By.NAME, "unit")).select_by_value("day")
    Select(form.find_element(By.NAME, "thing")).select_by_visible_text("Pump")
    form.find_element(By.NAME, "channel").send_keys("3")
    form.find_element(By.NAME, "value").send_keys("1")
    form.find_element(By.NAME, "email").send_keys(farmer)
    screenshot(browser, "console-schedule-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = "table.rules tbody tr"
    wait(browser).until(lambda driver: "Pump on" in driver.find_element(By.CSS_SELECTOR, row).text, "the schedule listed")
    assert "every 1 day" in browser.find_element(By.CSS_SELECTOR, row).text
    assert browser.find_element(By.CSS_SELECTOR, f"{row} td.next").text != "never", "its next run"
    job_id = browser.find_element(By.CSS_SELECTOR, row).get_attribute("data-job-id")
    job = account.call("GET", f"/jobs/{job_id}").json()
    assert job["config"]["unit"] == "day" and job["config"]["interval"] == 1 and job["active"] is True
    assert job["actions"][0]["thing_id"] == pump["id"] and str(job["actions"][0]["channel"]) == "3"
    assert job["notifications"][0]["value"] == farmer
    screenshot(browser, "console-schedules")

    browser.find_element(By.CSS_SELECTOR, f"{row} input[type=checkbox]").click()
    wait(browser).until(lambda driver: account.call("GET", f"/jobs/{job_id}").json()["active"] is False, "the schedule switched off")
    wait(browser).until(lambda driver: driver.find_element(By.CSS_SELECTOR, f"{row} td.next").text == "never", "no next run while off")
    browser.find_element(By.LINK_TEXT, "Edit").click()
    every = visible(browser, "input[name=interval]")
    every.clear()
    every.send_keys("2")
    browser.find_element(By.CSS_SELECTOR, "#schedule-form button[type=submit]").click()
    wait(browser).until(lambda driver: "every 2 days" in driver.find_element(By.CSS_SELECTOR, row).text, "the edited schedule")
    assert account.call("GET", f"/jobs/{job_id}").json()["config"]["interval"] == 2


def test_a_new_person_signs_up_through_the_pages(console_server: NimbusServer, browser: Any) -> None:
    """From the console's sign-in button to the sign-in page's 'Create an account', then the consent page and back to
    an empty status screen; the account made is one of the console's project (it signs in with the password given)."""
    email = unique_email()
    browser.get(f"{console_server.base_url}/console/")
    visible(browser, "#sign-in")
    # From the keyboard: the sign-in button has the focus when the page opens, Enter presses it.
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "sign-in"
    focused.send_keys(Keys.ENTER)
    visible(browser, "a[href*='oauth/signup']").click()
    visible(browser, "input[name=first_name]").send_keys("Grace")
    browser.find_element(By.NAME, "last_name").send_keys("Hopper")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys("short")
    screenshot(browser, "console-sign-up")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    error = visible(browser, "p.error")
    assert "password" in error.text.lower(), "a too short password is named on the form"
    assert browser.find_element(By.NAME, "email").get_attribute("value") == email, "what was typed is kept"
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    visible(browser, "button[value=allow]").click()
    wait(browser).until(lambda driver: "No things yet" in driver.find_element(By.ID, "main").text, "the new account's empty status screen")
    client_id = requests.get(f"{console_server.base_url}/console/config.json", timeout=10).json()["clientId"]
    signed_in = requests.post(f"{console_server.base_url}/cayenne/oauth/token", timeout=10, data={
        "grant_type": "password", "username": email, "password": PASSWORD, "client_id": client_id})
    assert signed_in.status_code == 200, signed_in.text


def test_a_forgotten_password_is_asked_for_through_the_pages(console_server: NimbusServer, browser: Any) -> None:
    account = console_account(console_server)
    browser.get(f"{console_server.base_url}/console/")
    visible(browser, "#sign-in").click()
    visible(browser, "a[href*='oauth/forgot']").click()
    # The sign-in page has an email field too: wait for the next page before typing.
    wait(browser).until(lambda driver: "/cayenne/oauth/forgot" in driver.current_url, "the forgot-password page")
    visible(browser, "input[type=email]").send_keys(account.user.email)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(browser).until(lambda driver: "Check your email" in driver.find_element(By.TAG_NAME, "h1").text, "the answer page")
    assert "/cayenne/password/reset?token=" in reset_link(console_server.mailbox, account.user.email), "the reset mail arrived"
    browser.find_element(By.LINK_TEXT, "Back to sign in").click()
    visible(browser, "input[type=password]")


def test_the_account_pages_refuse_what_they_must(console_server: NimbusServer) -> None:
    """Without the CSRF cookie's value a sign-up post makes nothing; an app that does not allow sign-up shows no
    sign-up form; a reset asked for an unknown email answers as for a known one (nobody learns who has an account)."""
    base = console_server.base_url
    config = requests.get(f"{base}/console/config.json", timeout=10).json()
    request = {"response_type": "code", "client_id": config["clientId"], "redirect_uri": config["redirectUri"], "state": "s",
               "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}
    email = unique_email()
    forged = requests.post(f"{base}/cayenne/oauth/signup", timeout=10, allow_redirects=False, data={
        **request, "first_name": "Eve", "last_name": "Forger", "email": email, "password": PASSWORD, "csrf": "guess"})
    assert forged.status_code == 400 and "text/html" in forged.headers["Content-Type"]
    signed_in = requests.post(f"{base}/cayenne/oauth/token", timeout=10, data={
        "grant_type": "password", "username": email, "password": PASSWORD, "client_id": config["clientId"]})
    assert signed_in.status_code == 400, "no account was made"

    closed = Cayenne(console_server).app(allow_signup=False)
    page = requests.get(f"{base}/cayenne/oauth/signup", timeout=10, params={**request, "client_id": closed.id, "redirect_uri": closed.redirect_uri})
    assert page.status_code == 400 and "<form" not in page.text

    session = requests.Session()
    form = session.get(f"{base}/cayenne/oauth/forgot", timeout=10, params=request)
    assert form.status_code == 200
    csrf = session.cookies.get("nimbus_csrf")
    answers = [session.post(f"{base}/cayenne/oauth/forgot", timeout=10, data={**request, "email": address, "csrf": csrf})
               for address in (unique_email(), console_account(console_server).user.email)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].text == answers[1].text, "the same page for an unknown and a known email"


def test_an_expired_token_is_renewed_without_the_person_noticing(server_factory: Callable[..., NimbusServer], browser: Any) -> None:
    """With 30-second access tokens, a screen opened after the first one expired still loads: the console renewed the
    token with its refresh token (which rotated) instead of sending the person back to the sign-in page."""
    server = server_factory(extra_args=["--access-token-lifetime", "30", "--console-project", f"console-{uuid.uuid4().hex[:8]}"])
    account = console_account(server)
    sign_in(browser, server, account)
    visible(browser, "#live-state")
    first = browser.execute_script("return sessionStorage.getItem('nimbus.console.refresh')")
    time.sleep(31)
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-screen=alerts]").click()
    try:
        wait(browser).until(lambda driver: driver.find_element(By.TAG_NAME, "h1").text == "Alerts", "the alerts screen, still signed in")
    finally:
        screenshot(browser, "console-renewed")
    assert browser.find_elements(By.ID, "sign-in") == []
    second = browser.execute_script("return sessionStorage.getItem('nimbus.console.refresh')")
    assert second and second != first, "the refresh token was used, and rotated"


def test_the_status_screen_fits_a_phone(console_server: NimbusServer, browser: Any) -> None:
    """At a phone's width the cards stack in one column, nothing is wider than the screen and the menu wraps."""
    account = console_account(console_server)
    for name in ("Tank", "Pump"):
        thing = account.thing(name=name)
        assert push(account, thing["id"], [{"channel": 1, "value": 3.5}]).status_code == 200
    browser.set_window_size(390, 844)
    sign_in(browser, console_server, account)
    visible(browser, "section.thing[aria-label='Pump']")
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    cards = browser.find_elements(By.CSS_SELECTOR, "section.thing")
    assert len({card.location["x"] for card in cards}) == 1, "one column"
    assert all(link.is_displayed() for link in browser.find_elements(By.CSS_SELECTOR, "#nav a:not([hidden])"))
    screenshot(browser, "console-phone")


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
