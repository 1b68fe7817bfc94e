import pytest
from django.contrib.auth.models import Group, User

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
