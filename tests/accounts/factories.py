import factory
from django.contrib.auth.models import Group

from accounts.models import Organization, User
from accounts.roles import Role


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organization.Kind.ACADEMIC
    country = "GB"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.django.Password("pw-accord-test")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        groups = [Group.objects.get_or_create(name=Role(r).value)[0] for r in extracted]
        # Fixture setup, like the factory's bypass of user_create: through-table rows send no
        # m2m signal, so test users start with an empty ledger. Role *changes* under test go
        # through user.groups and are audited (tests/accounts/test_role_audit.py).
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=self.pk, group_id=g.pk) for g in groups], ignore_conflicts=True)
        self.__dict__.pop("roles", None)  # drop the cached property
