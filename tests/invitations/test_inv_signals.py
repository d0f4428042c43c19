"""What invitations announces (civic.invitations.signals) is sent once the change is committed,
never for a change rolled back, and a receiver that fails undoes nothing."""

from __future__ import annotations

import pytest

from civic.core.db import transaction
from civic.extensions import db
from civic.invitations import services as svc
from civic.invitations.signals import import_written, invitation_answered
from tests.invitations.conftest import inv_of
from tests.invitations.test_inv_import import messy_workbook


def test_an_answer_is_announced_after_its_commit(app, conference):
    heard = []

    def receiver(sender, invitation=None, response=None, via=None, **extra):
        heard.append((invitation.full_name, response, via))
        db.session.rollback()  # after the commit there is nothing left to undo

    binh = inv_of(conference, "Lê Văn Bình")
    with invitation_answered.connected_to(receiver, sender=app):
        svc.answer(binh, "decline", reason="Bận", via="phone")
    assert heard == [("Lê Văn Bình", "decline", "phone")]
    db.session.expire_all()
    assert inv_of(conference, "Lê Văn Bình").status == "decline"


def test_an_answer_rolled_back_is_not_announced(app, conference):
    heard = []
    binh = inv_of(conference, "Lê Văn Bình")
    with invitation_answered.connected_to(lambda *a, **k: heard.append(k), sender=app):
        with pytest.raises(RuntimeError), transaction():
            svc.answer(binh, "attend", via="phone")
            raise RuntimeError("the rest of the use case failed")
    assert heard == []
    db.session.refresh(binh)
    assert binh.status == "pending"


def test_a_failing_receiver_does_not_undo_the_answer(app, conference):
    def broken(sender, **extra):
        raise ValueError("a listener's bug")

    binh = inv_of(conference, "Lê Văn Bình")
    with invitation_answered.connected_to(broken, sender=app):
        svc.answer(binh, "attend", via="phone")
    db.session.expire_all()
    assert inv_of(conference, "Lê Văn Bình").status == "attend"


def test_a_written_import_is_announced_once(app, organizer):
    heard = []
    job_id = svc.start_import(messy_workbook(), "danh-sach.xlsx", organizer.id)  # the queue runs inline in tests
    with import_written.connected_to(lambda sender, **kw: heard.append(kw), sender=app):
        summary = svc.confirm_import(job_id)
        with pytest.raises(svc.InvitationError):
            svc.confirm_import(job_id)  # written already: refused, nothing announced
    assert heard == [{"summary": summary, "source": "danh-sach.xlsx"}]
    assert summary["created"] == 5
