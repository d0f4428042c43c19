"""The domain's codes are StrEnums in civic.invitations.models: every one has its label, the API's
OpenAPI lists come from them, and templates receive flags and labels instead of comparing codes."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import force_locale

from civic.api.invitations import SCHEMAS
from civic.invitations import labels
from civic.invitations.models import InvitationRole, InvitationStatus, LegalBasis, SheetGrouping

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "invitations"


def test_every_code_has_a_label(app):
    with app.test_request_context("/"), force_locale("vi"):
        for enum, table in ((InvitationRole, labels.role_labels()), (InvitationStatus, labels.status_labels()),
                            (LegalBasis, labels.legal_basis_labels()), (SheetGrouping, labels.sheet_grouping_labels())):
            assert set(table) == set(enum), enum
            assert all(text and text not in set(enum) for text in table.values()), table


def test_openapi_lists_are_the_enums():
    properties = SCHEMAS["Invitation"]["properties"]
    assert properties["status"]["enum"] == [s.value for s in InvitationStatus]
    assert properties["role"]["enum"] == [r.value for r in InvitationRole]


def test_templates_do_not_compare_codes():
    compared = re.compile(r"""(==|!=)\s*["']|\bin\s*\(\s*["']""")
    found = [f"{path.name}:{n}" for path in sorted(TEMPLATES.glob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if compared.search(line)]
    assert found == []
