"""Both ways a device joins a home: claiming a pre-provisioned device, and on-demand provisioning."""

import time

from harness import RFC3339_MS, expect, expect_error
from world import Project


def claim(user, home, code):
    return user.client.post("/devices", json={"homeId": home, "claimCode": code})


def registration(device, **fields):
    return device.client.post("/deviceRegistration", json={"deviceId": device.id, **fields})


def test_claim_inside_the_window(email_project: Project):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    device = email_project.new_device(tag="SN-1")
    expect_error(claim(owner, home, device.claim_code), [403], "DEVICE_NOT_CLAIMABLE")

    window = expect(registration(device, claimable=True, duration=120), 200)
    assert RFC3339_MS.match(window["claimExpirationTime"]), window
    claimed = expect(claim(owner, home, device.claim_code), 201)
    assert claimed["id"] == device.id and claimed["homeId"] == home and claimed["tag"] == "SN-1", claimed
    assert claimed["deviceClass"] == email_project.device_class and RFC3339_MS.match(claimed["claimTime"]), claimed
    assert "apiKey" not in claimed and "claimCode" not in claimed, claimed

    listed = expect(owner.client.get("/devices", params={"homeId": home}), 200)
    assert [d["id"] for d in listed] == [device.id], listed
    shown = expect(owner.client.get(f"/devices/{device.id}"), 200)
    assert "apiKey" not in shown and "claimCode" not in shown, shown
    expect_error(claim(owner, home, device.claim_code), [403], ["DEVICE_ALREADY_IN_HOME", "DEVICE_NOT_CLAIMABLE"])

    # With its window open again, a device in a home is still not claimable into another one.
    other_home = email_project.new_home(owner)
    reopened = registration(device, claimable=True, duration=60).status_code == 200
    reasons = "DEVICE_ALREADY_IN_HOME" if reopened else ["DEVICE_ALREADY_IN_HOME", "DEVICE_NOT_CLAIMABLE"]
    expect_error(claim(owner, other_home, device.claim_code), [403], reasons)


def test_claim_code_ignores_case_and_dashes(email_project: Project):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    device = email_project.new_device()
    expect(registration(device, claimable=True, duration=60), 200)
    sloppy = device.claim_code.replace("-", "").lower()
    assert expect(claim(owner, home, sloppy), 201)["id"] == device.id


def test_claim_window_closes(email_project: Project):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    device = email_project.new_device()
    expect(registration(device, claimable=True, duration=60), 200)
    expect(registration(device, claimable=False), 200)
    expect_error(claim(owner, home, device.claim_code), [403], "DEVICE_NOT_CLAIMABLE")

    expect(device.client.post("/deviceRegistration", form={"deviceId": device.id, "claimable": "true",
                                                           "duration": "1"}), 200)
    time.sleep(1.5)
    expect_error(claim(owner, home, device.claim_code), [403], "DEVICE_NOT_CLAIMABLE")


def test_registration_rules(email_project: Project):
    device, other = email_project.new_device(), email_project.new_device()
    expect_error(registration(device, claimable=True, duration=0), [403], "INVALID_INPUT")
    expect_error(registration(device, claimable=True, duration=86401), [403], "INVALID_INPUT")
    expect_error(registration(device, claimable="maybe", duration=60), [403], "INVALID_INPUT")
    # A device opens only its own window.
    expect_error(other.client.post("/deviceRegistration", json={"deviceId": device.id, "claimable": True,
                                                                "duration": 60}), [403, 404])
    owner = email_project.new_user()
    expect_error(owner.client.post("/deviceRegistration", json={"deviceId": device.id, "claimable": True,
                                                                "duration": 60}), [403])


def test_unknown_claim_code(email_project: Project):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    expect_error(claim(owner, home, "ZZZZ-ZZZZ"), [403, 404])


def test_on_demand_provisioning(ondemand_project: Project):
    owner = ondemand_project.new_user()
    home = ondemand_project.new_home(owner)
    grant = expect(owner.client.post(f"/homes/{home}/deviceProvisioning",
                                     json={"deviceClass": ondemand_project.device_class, "deviceTag": "kitchen"}), 200)
    assert grant["token"].startswith("v1.p.") and RFC3339_MS.match(grant["expirationTime"]), grant

    device = expect(ondemand_project.anon.post("/devices", json={"token": grant["token"]}), 201)
    assert isinstance(device["id"], int) and device["apiKey"].startswith("v1.d."), device
    assert device["homeId"] == home and device["tag"] == "kitchen", device
    assert device["deviceClass"] == ondemand_project.device_class, device

    device_client = ondemand_project.server.client(device["apiKey"])
    assert expect(device_client.get(f"/devices/{device['id']}"), 200)["id"] == device["id"]
    expect(device_client.put(f"/devices/{device['id']}/event", json={"eventType": "hello", "eventData": {}}), 204)
    listed = expect(owner.client.get("/devices", params={"homeId": home}), 200)
    assert [d["id"] for d in listed] == [device["id"]] and "apiKey" not in listed[0], listed

    # A token works once.
    expect_error(ondemand_project.anon.post("/devices", json={"token": grant["token"]}), [403], "INVALID_TOKEN")


def test_on_demand_provisioning_rules(ondemand_project: Project, email_project: Project):
    owner, stranger = ondemand_project.new_user(), ondemand_project.new_user()
    home = ondemand_project.new_home(owner)
    provision = f"/homes/{home}/deviceProvisioning"
    expect_error(owner.client.post(provision, json={"deviceClass": "no-such-class"}), [403], "UNKNOWN_DEVICE_CLASS")
    expect_error(owner.client.post(provision, json={}), [403], "INVALID_INPUT")
    expect_error(stranger.client.post(provision, json={"deviceClass": "sensor"}), [403, 404])
    expect_error(ondemand_project.anon.post(provision, json={"deviceClass": "sensor"}), [401], "AUTHORIZATION_REQUIRED")
    expect_error(ondemand_project.anon.post("/devices", json={"token": "v1.p.not-a-token"}), [403], "INVALID_TOKEN")

    claim_owner = email_project.new_user()
    claim_home = email_project.new_home(claim_owner)
    expect_error(claim_owner.client.post(f"/homes/{claim_home}/deviceProvisioning", json={"deviceClass": "sensor"}),
                 [403], "PROVISIONING_DISABLED")
