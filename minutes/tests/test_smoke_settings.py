from django.conf import settings


def test_danish_default_and_copenhagen_time():
    assert settings.LANGUAGE_CODE == "da"
    assert settings.TIME_ZONE == "Europe/Copenhagen"
    assert settings.USE_TZ
