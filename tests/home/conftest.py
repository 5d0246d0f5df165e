import pytest


@pytest.fixture
def editor_client(client, vvs_editor):
    """The test client, logged in as a MIH VVS editor."""
    client.force_login(vvs_editor)
    return client
