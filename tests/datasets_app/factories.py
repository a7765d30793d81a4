import factory

from datasets_app.models import Dataset
from tests.accounts.factories import OrganizationFactory, UserFactory


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    organization = factory.SubFactory(OrganizationFactory)
    steward = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"),
                                 roles=["contributor"])
    title = factory.Sequence(lambda n: f"Support tickets {n}")
    description = "Synthetic support tickets"
    license = "CC-BY-4.0"
    attribution_text = factory.LazyAttribute(lambda d: f"{d.title} by {d.organization.name}")
    tags = factory.LazyFunction(lambda: ["support"])
    use_terms = factory.LazyFunction(lambda: ["GRU"])
    # One key for the suite keeps pseudonyms comparable; real datasets get a random one.
    pseudonym_secret = "test-pseudonym-secret"
