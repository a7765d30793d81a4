import pytest

from datasets_app.scrubbing import ScrubConfig
from datasets_app.scrubbing.pipeline import get_engine


@pytest.fixture(scope="session")
def config() -> ScrubConfig:
    cfg = ScrubConfig(workers=1)
    get_engine(cfg)  # build once for the session
    return cfg
