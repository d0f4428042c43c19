"""CivicForm's NFC filter is added once per bound field, however many forms a process makes."""

import unicodedata

from civic.core.forms import _nfc_filter
from civic.events.forms import RsvpForm


def test_nfc_filter_does_not_pile_up_across_instances(app):
    decomposed = unicodedata.normalize("NFD", "  Nguyễn Văn Đức ")
    with app.test_request_context("/", method="POST", data={"name": decomposed}):
        for _ in range(20):
            form = RsvpForm(meta={"csrf": False})
        assert form.name.filters.count(_nfc_filter) == 1
        assert form.name.data == unicodedata.normalize("NFC", "Nguyễn Văn Đức")
