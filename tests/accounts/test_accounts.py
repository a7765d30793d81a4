"""Users, organisations, roles, the shell's pages and the demo seed."""
import pytest
import rules
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from accounts import registry
from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import Organization, User
from accounts.roles import Role
from accounts.rules import is_admin, is_auditor, is_contributor, is_legal, is_researcher
from accounts.services import organization_create, user_create
from audit.models import AuditEvent

PREDICATES = {
    Role.CONTRIBUTOR: is_contributor,
    Role.RESEARCHER: is_researcher,
    Role.LEGAL: is_legal,
    Role.ADMIN: is_admin,
    Role.AUDITOR: is_auditor,
}


# --- model, services, predicates -------------------------------------------------------------

def test_the_user_model_is_accounts_user():
    from django.contrib.auth import get_user_model

    assert get_user_model() is User


def test_user_create_sets_roles_and_writes_an_audit_event(db):
    org = organization_create(name="Lab", kind="academic", country="fr", actor=None)
    user = user_create(username="ana", password="a-long-password", organization=org,
                       roles=[Role.RESEARCHER, "legal"], actor=None)

    assert org.country == "FR" and not org.is_commercial
    assert user.check_password("a-long-password")
    assert user.roles == frozenset({"researcher", "legal"})
    assert set(Group.objects.values_list("name", flat=True)) == {r.value for r in Role}
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "target_id"))
    assert actions == [("organization.created", str(org.pk)), ("user.created", str(user.pk))]
    assert AuditEvent.objects.get(action="user.created").after["roles"] == ["legal", "researcher"]


def test_organization_kind_is_validated_and_nothing_is_recorded_on_failure(db):
    with pytest.raises(ValidationError):
        organization_create(name="Odd", kind="pirate", country="GB", actor=None)
    assert not Organization.objects.exists() and not AuditEvent.objects.exists()


def test_user_create_rejects_an_unknown_role(db):
    with pytest.raises(ValueError):
        user_create(username="x", password="pw-long-enough", roles=["wizard"], actor=None)
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize("role", list(Role))
def test_each_predicate_is_true_for_its_role_only(make_user, role):
    user = make_user(role)
    for other, predicate in PREDICATES.items():
        assert predicate(user) is (other == role), (role, other)
    assert user.has_perm(f"accounts.is_{role.value}")
    assert rules.test_rule(f"accounts.is_{role.value}", user)
    assert not user.has_perm("accounts.is_auditor" if role is not Role.AUDITOR else "accounts.is_admin")


def test_inactive_and_anonymous_users_hold_no_role(make_user):
    from django.contrib.auth.models import AnonymousUser

    user = make_user(Role.LEGAL, is_active=False)
    assert not is_legal(user)
    assert not any(p(AnonymousUser()) for p in PREDICATES.values())


# --- pages ------------------------------------------------------------------------------------

def test_login_page_renders_a_form(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page and 'name="password"' in page and "csrfmiddlewaretoken" in page
    assert "/static/css/accord.css" in page
    assert "cdn" not in page.lower()


def test_login_with_the_right_password_lands_on_the_dashboard(client, researcher):
    response = client.post("/login/", {"username": "researcher", "password": "pw-accord-test"}, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.wsgi_request.user == researcher


def test_login_with_a_wrong_password_shows_an_error(client, researcher):
    response = client.post("/login/", {"username": "researcher", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_logout_is_a_post_and_ends_the_session(client, researcher):
    client.force_login(researcher)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/dashboard/").status_code == 302


def test_pages_need_a_login(client, db):
    assert client.get("/").status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/dashboard/"


@pytest.mark.parametrize("fixture, role", [
    ("contributor", Role.CONTRIBUTOR), ("researcher", Role.RESEARCHER), ("legal", Role.LEGAL),
    ("ml_admin", Role.ADMIN), ("auditor", Role.AUDITOR),
])
def test_each_role_gets_its_own_navigation_and_panels(client, request, fixture, role):
    user = request.getfixturevalue(fixture)
    client.force_login(user)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    expected_nav = [n.label for n in registry.nav_for(user)]
    assert [i["label"] for i in response.context["nav_items"]] == expected_nav
    assert expected_nav[0] == "Dashboard"
    assert ("Audit ledger" in expected_nav) is (role is Role.AUDITOR)
    expected_panels = [p.title for p in registry.panels_for(user)]
    assert [p["title"] for p in response.context["panels"]] == expected_panels
    assert all(p.roles & {role.value} for p in registry.panels_for(user))
    assert response.context["role_labels"] == [role.label]
    page = response.content.decode()
    assert role.label in page
    for panel in expected_panels:
        assert f"<h2>{panel}</h2>" in page


def test_a_user_without_a_role_sees_the_hint_and_no_panels(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["panels"] == []
    assert "has no role yet" in response.content.decode()
    assert [i["label"] for i in response.context["nav_items"]] == []


def test_registry_ignores_duplicate_registrations():
    before = (len(registry._registry.nav), len(registry._registry.panels))
    registry.register_nav("Audit ledger", "audit:event-list", roles=[Role.AUDITOR], order=90)
    registry.register_panel("Audit ledger", template="audit/panel.html", roles=[Role.AUDITOR], context=dict)
    assert (len(registry._registry.nav), len(registry._registry.panels)) == before


# --- seed_demo --------------------------------------------------------------------------------

@pytest.fixture
def no_demo_steps(monkeypatch):
    """The people only: the later layers' demo steps are exercised by their own tests."""
    ran = []
    monkeypatch.setattr("accounts.management.commands.seed_demo.demo_steps",
                        lambda: [registry.DemoStep("a test step", lambda log: (ran.append(1), log("step ran")))])
    return ran


def test_seed_demo_is_refused_unless_debug(db, settings, no_demo_steps):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists() and no_demo_steps == []


def test_seed_demo_is_idempotent_and_prints_the_logins(db, settings, capsys, no_demo_steps):
    settings.DEBUG = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (User.objects.count(), Organization.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert counts == (5, 2, 7)
    assert (User.objects.count(), Organization.objects.count(), AuditEvent.objects.count()) == counts
    assert "created user" in first and "created user" not in second
    assert no_demo_steps == [1, 1] and "step ran" in second
    kinds = dict(Organization.objects.values_list("kind", "name"))
    assert set(kinds) == {"academic", "industry"}
    for username, (*_, role) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD) and user.roles == {role.value}
        assert f"{username}" in second and role.label in second
    assert "http://127.0.0.1:8000/login/" in second and DEMO_PASSWORD in second


def test_demo_users_can_log_in(client, db, settings, no_demo_steps):
    settings.DEBUG = True
    call_command("seed_demo")
    for username in DEMO_USERS:
        # django-axes checks every authenticate() against its lockouts, so it needs the request.
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD), username
        assert client.get("/dashboard/").status_code == 200
        client.logout()
