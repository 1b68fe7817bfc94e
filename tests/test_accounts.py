import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer_account():
    user = User.objects.create_user("tina", password="a-long-trainer-password")
    user.groups.add(Group.objects.get(name="Trainers"))
    return user


def test_it_lets_a_trainer_without_admin_access_sign_in_and_reach_sessions(client, trainer_account):
    page = client.get("/accounts/login/?next=/quiz/sessions/")
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "tina", "password": "a-long-trainer-password", "next": "/quiz/sessions/"},
    )
    assert response.status_code == 302 and response["Location"] == "/quiz/sessions/"
    assert client.get("/quiz/sessions/").status_code == 200
    assert b"Signed in as tina" in client.get("/").content


def test_it_says_so_when_the_password_is_wrong(client, trainer_account):
    response = client.post("/accounts/login/", {"username": "tina", "password": "nope"})
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content


def test_it_locks_out_after_repeated_failures(client, trainer_account):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tina", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "tina", "password": "a-long-trainer-password"}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_it_signs_out_with_a_post(client, trainer_account):
    client.force_login(trainer_account)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert b"Sign in" in client.get("/").content


# The lockout is per username and address (django-axes, AXES_LOCKOUT_PARAMETERS) -------------

LOGIN_FORMS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff_account():
    """Signs in on both forms: the admin's takes staff only."""
    return User.objects.create_user("stella", password="a-long-staff-password", is_staff=True)


def sign_in(client, path: str, username: str, password: str, **headers):
    return client.post(path, {"username": username, "password": password}, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_it_does_not_lock_out_a_real_user_after_made_up_names_from_the_same_address(
    client, staff_account, path
):
    for n in range(6):
        sign_in(client, path, f"made-up-{n}", "guess", REMOTE_ADDR="10.0.0.7")
    response = sign_in(client, path, "stella", "a-long-staff-password", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_it_does_not_lock_out_the_owner_after_guesses_at_their_name_from_elsewhere(
    client, staff_account, path
):
    attacker = Client()
    for _ in range(6):
        sign_in(attacker, path, "stella", "guess", REMOTE_ADDR="203.0.113.9")
    assert sign_in(attacker, path, "stella", "guess", REMOTE_ADDR="203.0.113.9").status_code == 429
    response = sign_in(client, path, "stella", "a-long-staff-password", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_it_tells_clients_apart_by_the_proxys_header_behind_the_proxy(
    client, staff_account, path, settings
):
    settings.BEHIND_PROXY = True
    balancer = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client()
    for _ in range(5):
        # What the attacker sends first is its own invention; the balancer appends the address.
        sign_in(
            attacker,
            path,
            "stella",
            "guess",
            **balancer,
            HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.4",
        )
    locked = sign_in(
        attacker,
        path,
        "stella",
        "a-long-staff-password",
        **balancer,
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert locked.status_code == 429
    response = sign_in(
        client,
        path,
        "stella",
        "a-long-staff-password",
        **balancer,
        HTTP_X_FORWARDED_FOR="192.0.2.20",
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.4"}


@pytest.mark.parametrize("path", LOGIN_FORMS)
def test_it_ignores_a_forged_forwarded_for_without_the_proxy(client, staff_account, path, settings):
    settings.BEHIND_PROXY = False
    attacker = Client()
    for n in range(5):
        # A new made-up address on every try would dodge the lockout if the header counted.
        sign_in(
            attacker,
            path,
            "stella",
            "guess",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    locked = sign_in(
        attacker,
        path,
        "stella",
        "a-long-staff-password",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_it_falls_back_to_the_balancers_address_when_the_header_is_junk(
    client, staff_account, settings
):
    settings.BEHIND_PROXY = True
    response = sign_in(
        client,
        "/accounts/login/",
        "stella",
        "guess",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="not-an-ip",
    )
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"
