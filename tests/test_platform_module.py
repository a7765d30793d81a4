import platform
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_standard_library_platform_is_not_shadowed():
    # The repo's platform/ folder holds deploy files; it must never become a package.
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()
    assert Path(platform.__file__).parent != REPO_ROOT / "platform"
    assert platform.system() in {"Linux", "Darwin", "Windows"}


def test_django_and_celery_import_platform_inside_the_project(settings):
    import celery
    import django

    assert django.get_version().startswith("5.2")
    assert celery.__version__
    assert platform.python_version().startswith("3.")
