"""Homes and home members: create/read/update/delete, paging, invitations, roles, LAST_OWNER."""

from harness import RFC3339_MS, expect, expect_error
from world import Project, unique_email, unique_phone

RANGE = "vnd.tinkermode.range"


def listing(resp, length):
    """The list body (of `length` items) and its range header."""
    body = expect(resp, 200)
    assert isinstance(body, list) and len(body) == length, f"expected {length} items: {body}"
    return body, resp.headers.get(RANGE)


def test_home_lifecycle(email_project: Project):
    owner = email_project.new_user()
    home = expect(owner.client.post("/homes", json={"name": "Cabin"}), 201)
    assert home["name"] == "Cabin" and home["projectId"] == email_project.id, home
    assert RFC3339_MS.match(home["creationTime"]), home
    assert expect(owner.client.get(f"/homes/{home['id']}"), 200)["id"] == home["id"]

    expect(owner.client.patch(f"/homes/{home['id']}", json={"name": "Lodge"}), 204)
    assert expect(owner.client.get(f"/homes/{home['id']}"), 200)["name"] == "Lodge"

    members, _ = listing(owner.client.get(f"/homes/{home['id']}/members"), 1)
    assert members[0]["userId"] == owner.id and members[0]["role"] == "owner", members

    expect(owner.client.delete(f"/homes/{home['id']}"), 204)
    expect_error(owner.client.get(f"/homes/{home['id']}"), [404], "NOT_FOUND")
    listing(owner.client.get("/homes", params={"userId": owner.id}), 0)


def test_home_lists_page_with_the_range_header(email_project: Project):
    owner = email_project.new_user()
    ids = [email_project.new_home(owner, f"home-{i}") for i in range(3)]
    homes = owner.client.get("/homes", params={"userId": owner.id})
    body, header = listing(homes, 3)
    assert sorted(h["id"] for h in body) == sorted(ids) and header == "0-2/3", (body, header)
    assert listing(owner.client.get("/homes", params={"userId": owner.id, "limit": 2}), 2)[1] == "0-1/3"
    assert listing(owner.client.get("/homes", params={"userId": owner.id, "skip": 2, "limit": 2}), 1)[1] == "2-2/3"
    assert listing(owner.client.get("/homes", params={"userId": owner.id, "skip": 5}), 0)[1] == "*/3"

    key = email_project.key("admin").client
    listing(key.get("/homes", params={"userId": owner.id}), 3)
    _, header = listing(key.get("/homes", params={"projectId": email_project.id}), 3)
    assert header == "0-2/3", header


def test_members_roles_and_the_last_owner(email_project: Project):
    owner, member = email_project.new_user(), email_project.new_user(name="Mia")
    home = email_project.new_home(owner)
    added = email_project.add_member(owner, home, member)
    assert added["userId"] == member.id and added["role"] == "member" and added["email"] == member.email, added
    assert added["name"] == "Mia" and isinstance(added["verified"], bool), added
    assert RFC3339_MS.match(added["creationTime"]), added
    expect_error(owner.client.post(f"/homes/{home}/members", json={"email": member.email}), [403], "MEMBER_EXISTS")

    members, header = listing(owner.client.get(f"/homes/{home}/members"), 2)
    assert {m["userId"]: m["role"] for m in members} == {owner.id: "owner", member.id: "member"}, members
    assert header == "0-1/2", header
    assert expect(member.client.get(f"/homes/{home}/members/{member.id}"), 200)["role"] == "member"
    listing(member.client.get("/homes", params={"userId": member.id}), 1)

    # A member sees the home but may not change it.
    expect(member.client.get(f"/homes/{home}"), 200)
    expect_error(member.client.patch(f"/homes/{home}", json={"name": "Mine"}), [403], "PERMISSION_DENIED")
    expect_error(member.client.post(f"/homes/{home}/members", json={"email": unique_email()}), [403],
                 "PERMISSION_DENIED")
    expect_error(member.client.patch(f"/homes/{home}/members/{member.id}", json={"role": "owner"}), [403],
                 "PERMISSION_DENIED")
    expect_error(owner.client.patch(f"/homes/{home}/members/{member.id}", json={"role": "king"}), [403],
                 "INVALID_INPUT")

    # Promote, then the first owner leaves; the last owner cannot leave nor step down.
    expect(owner.client.patch(f"/homes/{home}/members/{member.id}", json={"role": "owner"}), 204)
    assert expect(owner.client.get(f"/homes/{home}/members/{member.id}"), 200)["role"] == "owner"
    expect(owner.client.delete(f"/homes/{home}/members/{owner.id}"), 204)
    expect_error(owner.client.get(f"/homes/{home}"), [403, 404])
    expect_error(member.client.delete(f"/homes/{home}/members/{member.id}"), [403], "LAST_OWNER")
    expect_error(member.client.patch(f"/homes/{home}/members/{member.id}", json={"role": "member"}), [403],
                 "LAST_OWNER")
    assert expect(member.client.get(f"/homes/{home}/members/{member.id}"), 200)["role"] == "owner"


def test_users_never_list_homes_they_are_not_in(email_project: Project):
    owner, stranger = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    for params in ({"projectId": email_project.id}, {}, {"userId": owner.id, "projectId": email_project.id}):
        resp = stranger.client.get("/homes", params=params)
        if resp.status_code == 200:
            assert home not in [h["id"] for h in resp.json()], f"stranger sees the home: {resp.text}"
        else:
            expect_error(resp, [403, 404])


def test_a_member_can_leave(email_project: Project):
    owner, member = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    email_project.add_member(owner, home, member)
    expect(member.client.delete(f"/homes/{home}/members/{member.id}"), 204)
    expect_error(member.client.get(f"/homes/{home}"), [403, 404])
    listing(owner.client.get(f"/homes/{home}/members"), 1)


def test_non_members_do_not_see_the_home(email_project: Project, make_project):
    owner, stranger = email_project.new_user(), email_project.new_user()
    outsider = make_project("email").new_user()
    home = email_project.new_home(owner)
    for user in (stranger, outsider):
        expect_error(user.client.get(f"/homes/{home}"), [403, 404])
        expect_error(user.client.get(f"/homes/{home}/members"), [403, 404])
        expect_error(user.client.get("/homes", params={"userId": owner.id}), [403, 404])
    expect_error(outsider.client.get(f"/homes/{home}"), [404], "NOT_FOUND")


def test_inviting_an_unknown_email_makes_a_placeholder_that_sign_up_takes_over(email_project: Project, mailbox):
    owner = email_project.new_user()
    home = email_project.new_home(owner)
    invitee = unique_email()
    member = expect(owner.client.post(f"/homes/{home}/members", json={"email": invitee}), 201)
    assert member["verified"] is False and member["email"] == invitee and member["role"] == "member", member
    mailbox.pop(invitee)  # the invitation

    user = email_project.sign_up_email(invitee, name="Invitee")
    assert user["id"] == member["userId"], (user, member)
    signed_in = email_project.sign_in_email(invitee)
    homes, _ = listing(signed_in.client.get("/homes", params={"userId": signed_in.id}), 1)
    assert homes[0]["id"] == home, homes


def test_phone_projects_add_members_by_phone_number(phone_project: Project):
    owner, member = phone_project.new_user(), phone_project.new_user()
    home = phone_project.new_home(owner)
    added = phone_project.add_member(owner, home, member, role="owner")
    assert added["userId"] == member.id and added["phoneNumber"] == member.phone and added["role"] == "owner", added
    placeholder = expect(owner.client.post(f"/homes/{home}/members", json={"phoneNumber": unique_phone()}), 201)
    assert placeholder["verified"] is False, placeholder
    expect_error(owner.client.post(f"/homes/{home}/members", json={"phoneNumber": "12"}), [403],
                 "INVALID_PHONE_NUMBER")


def test_byou_projects_add_members_by_user_id(byou_project: Project):
    owner, member = byou_project.new_user(), byou_project.new_user()
    home = byou_project.new_home(owner)
    added = byou_project.add_member(owner, home, member)
    assert added["userId"] == member.id, added
    expect_error(owner.client.post(f"/homes/{home}/members", json={"userId": 987654321}), [403, 404])


def test_project_key_manages_homes(email_project: Project):
    owner, member = email_project.new_user(), email_project.new_user()
    home = email_project.new_home(owner)
    admin = email_project.key("admin").client
    expect(admin.get(f"/homes/{home}"), 200)
    expect(admin.patch(f"/homes/{home}", json={"name": "Renamed", "deactivated": True}), 204)
    renamed = expect(owner.client.get(f"/homes/{home}"), 200)
    assert renamed["name"] == "Renamed" and renamed.get("deactivated") is True, renamed
    expect(admin.post(f"/homes/{home}/members", json={"email": member.email, "role": "owner"}), 201)
    expect(admin.patch(f"/homes/{home}/members/{member.id}", json={"role": "member"}), 204)
    expect(admin.delete(f"/homes/{home}"), 204)
    expect_error(owner.client.get(f"/homes/{home}"), [404])
