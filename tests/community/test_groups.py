import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from community import services
from community.models import Membership


@pytest.mark.postgres
def test_two_joins_racing_for_the_tenth_place_one_succeeds(transactional_db, make_user):
    facilitator = make_user("fasi")
    group = services.create_group(facilitator, name="Nesten full")
    for n in range(8):
        services.add_member(group, make_user(f"m{n}"))
    invite = services.create_invite(facilitator, group)
    racers = [make_user("rask"), make_user("kjapp")]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def join(i):
        barrier.wait()
        try:
            results[i] = services.join_with_invite(racers[i], invite.code)
        except ValidationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Membership.objects.filter(group=group).count() == 10
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(errors) == 1
    assert "høyst 10 medlemmer" in errors[0].messages[0]


@pytest.mark.django_db
def test_expired_invite_is_refused_with_a_message(make_user):
    from datetime import timedelta

    from django.utils import timezone

    fasi = make_user("fasi")
    group = services.create_group(fasi, name="G")
    invite = services.create_invite(fasi, group)
    invite.expires_at = timezone.now() - timedelta(minutes=1)
    invite.save()
    with pytest.raises(ValidationError, match="utløpt"):
        services.join_with_invite(make_user("sen"), invite.code)


@pytest.mark.django_db
def test_join_request_approved_by_facilitator(client, make_user):
    fasi, teacher = make_user("fasi"), make_user("lærer")
    group = services.create_group(fasi, name="Åpen gruppe")
    client.force_login(teacher)
    client.post(f"/groups/{group.pk}/request/", {"message": "Kan jeg bli med?"})
    req = group.join_requests.get()
    client.force_login(teacher)
    response = client.post(f"/groups/{group.pk}/requests/{req.pk}/", {"decision": "approve"})
    assert response.status_code == 403  # only the facilitator decides
    client.force_login(fasi)
    client.post(f"/groups/{group.pk}/requests/{req.pk}/", {"decision": "approve"})
    assert Membership.objects.filter(group=group, user=teacher).exists()
    assert teacher.notifications.filter(kind="group.join_decided").exists()


@pytest.mark.django_db
def test_group_pages_list_mine_and_open_groups(client, make_user):
    fasi, other = make_user("fasi"), make_user("annen")
    mine = services.create_group(fasi, name="Min gruppe")
    services.create_group(other, name="Andres gruppe")
    services.create_group(other, name="Lukket gruppe", is_open=False)
    client.force_login(fasi)
    page = client.get("/groups/").content.decode()
    assert "Min gruppe" in page and "Andres gruppe" in page and "Lukket gruppe" not in page
    detail = client.get(f"/groups/{mine.pk}/").content.decode()
    assert "Gå til grupperommet" in detail and "veileder" in detail
    assert client.get(f"/groups/{mine.pk + 2}/").status_code == 404


@pytest.mark.django_db
def test_history_api_is_for_members_only(client, make_user):
    from live import services as live_services

    fasi, outsider = make_user("fasi"), make_user("utenfor")
    group = services.create_group(fasi, name="G")
    for n in range(3):
        live_services.send_message(fasi, group.pk, f"h{n}", f"melding {n}")
    client.force_login(outsider)
    assert client.get(f"/api/rooms/{group.pk}/messages?after=0").status_code == 403
    client.force_login(fasi)
    data = client.get(f"/api/rooms/{group.pk}/messages?after=1").json()
    assert [m["seq"] for m in data["messages"]] == [2, 3] and data["last_seq"] == 3
    assert client.get(f"/api/rooms/{group.pk}/messages?after=x").status_code == 400
    client.logout()
    assert client.get(f"/api/rooms/{group.pk}/messages?after=0").status_code == 401
