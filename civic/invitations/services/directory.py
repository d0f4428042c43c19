"""The directory of leaders: contacts, their groups, posts and who holds them, and its export."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.accounts.models import ResidentialGroup, User
from civic.accounts.services import find_group, get_or_create_group
from civic.core.collation import sort_key, split_full_name
from civic.core.db import transaction
from civic.core.phone import InvalidPhone, format_phone_local, normalize_phone
from civic.core.spreadsheets import safe_row
from civic.core.text import clean_line, fold, nfc
from civic.core.timeutil import local_today
from civic.extensions import db
from civic.invitations.errors import Conflict, InvitationError, check_length
from civic.invitations.models import (
    Contact,
    ContactGroup,
    LegalBasis,
    Post,
    PostHolding,
    contact_group_members,
)

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# --------------------------------------------------------------------------- contacts


def _clean_email(raw: str | None) -> str | None:
    email = clean_line(raw).lower()
    if not email:
        return None
    if not _EMAIL_RE.match(email):
        raise InvitationError(_("This email address is not valid."))
    return email


def row_id(value) -> int | None:
    """``value`` as a row id, or None when it cannot name a row (not a number, out of range)."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 2**31 - 1 else None


def list_contacts(q: str | None = None, group_id: int | None = None, residential_group_id: int | None = None) -> list[Contact]:
    stmt = sa.select(Contact).options(selectinload(Contact.groups))
    if q:
        folded = fold(q)
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = Contact.name_folded.contains(folded)
        if len(digits) >= 4:
            cond = cond | Contact.phone.contains(digits.lstrip("0"))
        stmt = stmt.where(cond)
    if group_id:
        stmt = stmt.where(Contact.id.in_(sa.select(contact_group_members.c.contact_id).where(
            contact_group_members.c.group_id == group_id)))
    if residential_group_id:
        stmt = stmt.where(Contact.residential_group_id == residential_group_id)
    return sorted(db.session.scalars(stmt).unique(), key=lambda c: c.name_key)


def get_contact(contact_id) -> Contact | None:
    key = row_id(contact_id)
    return db.session.get(Contact, key) if key is not None else None


LEGAL_BASES = tuple(LegalBasis)
DEFAULT_LEGAL_BASIS = LegalBasis.PUBLIC_DUTY


def check_legal_basis(value: str | None) -> str:
    value = value or DEFAULT_LEGAL_BASIS
    if value not in LEGAL_BASES:
        raise InvitationError(_("Choose the legal basis for holding this data."))
    return LegalBasis(value)


def _clean_phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise InvitationError(_("This is not a valid Vietnamese phone number (for example 0912 345 678).")) from exc


def _check_phone_free(phone_e164: str | None, contact: Contact | None) -> None:
    if phone_e164:
        clash = db.session.scalar(sa.select(Contact.id).where(Contact.phone == phone_e164))
        if clash and (contact is None or clash != contact.id):
            raise Conflict(_("Another contact already has this phone number."))


def person_name(full_name: str | None) -> tuple[str, str, str]:
    """(family, middle, given) of a typed full name; InvitationError when empty or too long."""
    full_name = check_length(clean_line(full_name), 200, _("Full name"))
    family, middle, given = split_full_name(full_name)
    if not given:
        raise InvitationError(_("Enter the person's full name."))
    if len(family) > 60 or len(middle) > 80 or len(given) > 60:
        raise InvitationError(_("This name is too long."))
    return family, middle, given


def _check_contact_lengths(position, unit, residential_group, email, notes) -> None:
    """The contact form's limits (the columns' sizes)."""
    for value, max_len, label in ((position, 200, _("Position")), (unit, 200, _("Unit")),
                                  (residential_group, 120, _("Residential group")), (email, 254, _("Email"))):
        check_length(clean_line(value), max_len, label)
    check_length(nfc(notes or "").strip(), 2000, _("Notes"))


def save_contact(contact: Contact | None, *, full_name: str, position: str = "", unit: str = "",
                 residential_group: str | None = None, phone: str | None = None, email: str | None = None,
                 notes: str = "", group_ids: list[int] | None = None, legal_basis: str | None = None) -> Contact:
    legal_basis = check_legal_basis(legal_basis)
    family, middle, given = person_name(full_name)
    _check_contact_lengths(position, unit, residential_group, email, notes)
    phone_e164 = _clean_phone(phone)
    email = _clean_email(email)
    _check_phone_free(phone_e164, contact)
    groups = _listed_groups(group_ids) if group_ids is not None else None
    with transaction():
        if contact is None:
            contact = Contact()
            db.session.add(contact)
        contact.family_name, contact.middle_name, contact.given_name = family, middle, given
        contact.name_folded = fold(contact.full_name)
        contact.position = clean_line(position)
        contact.unit = clean_line(unit)
        contact.phone = phone_e164
        contact.email = email
        contact.notes = nfc(notes or "").strip()
        contact.legal_basis = legal_basis
        contact.residential_group = (find_group(residential_group) or get_or_create_group(residential_group)
                                     if residential_group else None)
        if email and contact.user_id is None:
            # A contact who is also a resident account: linked by the same email address.
            contact.user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        if groups is not None:
            contact.groups = groups
    return contact


def _listed_groups(group_ids) -> list[ContactGroup]:
    """The groups a contact is put in by hand: each must exist and list its members."""
    wanted = {row_id(i) for i in group_ids}
    groups = list(db.session.scalars(sa.select(ContactGroup).where(ContactGroup.id.in_(wanted - {None})))) if wanted else []
    if len(groups) != len(wanted):
        raise InvitationError(_("This group does not exist."))
    for group in groups:
        if group.is_post_based:
            raise InvitationError(_("The members of \"%(name)s\" are whoever holds its post: change them on the posts page.",
                                    name=group.name))
    return groups


def delete_contact(contact: Contact) -> None:
    with transaction():
        db.session.delete(contact)


# --------------------------------------------------------------------------- groups and posts


def list_contact_groups() -> list[ContactGroup]:
    return sorted(db.session.scalars(sa.select(ContactGroup)), key=lambda g: sort_key(g.name))


def get_contact_group(group_id) -> ContactGroup | None:
    key = row_id(group_id)
    return db.session.get(ContactGroup, key) if key is not None else None


def create_contact_group(name: str, post_title: str | None = None, description: str = "") -> ContactGroup:
    name = check_length(clean_line(name), 160, _("Group name"))
    if not name:
        raise InvitationError(_("Enter a name for the group."))
    check_length(clean_line(post_title), 160, _("Post"))
    check_length(clean_line(description), 300, _("Description"))
    if db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name_folded == fold(name))):
        raise Conflict(_("A group with this name already exists."))
    group = ContactGroup(name=name[:160], name_folded=fold(name), description=clean_line(description),
                         post_title_folded=fold(post_title) or None)
    with transaction():
        db.session.add(group)
    return group


def current_holders(post_title: str) -> list[tuple[Contact, Post]]:
    """Whoever holds a post with this title now, in every tổ dân phố."""
    rows = db.session.execute(
        sa.select(Contact, Post)
        .join(PostHolding, PostHolding.contact_id == Contact.id)
        .join(Post, Post.id == PostHolding.post_id)
        .where(Post.title_folded == fold(post_title), PostHolding.ended_on.is_(None))
    ).unique().all()
    return [(c, p) for c, p in rows]


def group_members(group: ContactGroup) -> list[tuple[Contact, str]]:
    """(contact, why) for a group: its listed members, or the current holders of its post."""
    if group.is_post_based:
        pairs = [(c, p.label) for c, p in current_holders(group.post_title_folded)]
    else:
        pairs = [(c, group.name) for c in group.contacts]
    return sorted(pairs, key=lambda pair: pair[0].name_key)


def list_posts() -> list[Post]:
    posts = db.session.scalars(sa.select(Post).options(selectinload(Post.holdings))).unique().all()
    return sorted(posts, key=lambda p: (sort_key(p.title), p.residential_group.sort_key if p.residential_group else (0,)))


def get_post(post_id) -> Post | None:
    key = row_id(post_id)
    return db.session.get(Post, key) if key is not None else None


def get_or_create_post(title: str, residential_group: ResidentialGroup | None) -> Post:
    title = clean_line(title)
    if not title:
        raise InvitationError(_("Enter the title of the post."))
    stmt = sa.select(Post).where(Post.title_folded == fold(title))
    stmt = stmt.where(Post.residential_group_id == residential_group.id) if residential_group else stmt.where(
        Post.residential_group_id.is_(None))
    post = db.session.scalar(stmt)
    if post is None:
        post = Post(title=title[:160], title_folded=fold(title), residential_group=residential_group)
        db.session.add(post)
        db.session.flush()
    return post


def create_post(title: str, residential_group_id: int | None, contact_id, started_on: date | None = None) -> Post:
    """The posts page's form: the post (made when new) of the ward or of a tổ dân phố, held by
    ``contact_id`` from ``started_on``; all or nothing."""
    check_length(clean_line(title), 160, _("Post"))
    group = db.session.get(ResidentialGroup, residential_group_id) if residential_group_id else None
    if residential_group_id and group is None:
        raise InvitationError(_("Please choose a residential group from the list."))
    contact = get_contact(contact_id)
    if contact is None:
        raise InvitationError(_("This contact does not exist."))
    with transaction():
        post = get_or_create_post(title, group)
        hand_over(post, contact, started_on)
    return post


def current_holding(post: Post) -> PostHolding | None:
    return db.session.scalar(sa.select(PostHolding).where(PostHolding.post_id == post.id, PostHolding.ended_on.is_(None)))


def hand_over(post: Post, contact: Contact, on: date | None = None, note: str = "",
              new_holder_only: bool = False) -> PostHolding:
    """The post passes to ``contact`` from ``on``: the previous holding ends that day.

    Loading data again (the demo) may name the current holder, which changes nothing; a person
    handing the post over (``new_holder_only``, the page and the API) is told it changed nothing."""
    on = on or local_today()
    with transaction():
        current = current_holding(post)
        if current is not None:
            if current.contact_id == contact.id:
                if new_holder_only:
                    raise Conflict(_("%(name)s already holds this post.", name=contact.full_name))
                return current
            if on < current.started_on:
                raise InvitationError(_("The hand-over date is before the current holder started."))
            current.ended_on = on
        holding = PostHolding(post=post, contact=contact, started_on=on, note=clean_line(note)[:300])
        db.session.add(holding)
    return holding


# --------------------------------------------------------------------------- bulk group changes


def bulk_groups() -> list[ContactGroup]:
    """Groups whose members are listed (a post-based group follows its post, nobody is added by hand)."""
    return [g for g in list_contact_groups() if not g.is_post_based]


def _contact_ids(raw) -> list[int]:
    """The ids of existing contacts among ``raw`` (form values; anything else is left out)."""
    wanted = set()
    for value in raw or ():
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            continue
    found: list[int] = []
    ordered = sorted(wanted)
    for i in range(0, len(ordered), 500):
        found += db.session.scalars(sa.select(Contact.id).where(Contact.id.in_(ordered[i:i + 500]))).all()
    return sorted(found)


def bulk_group(group_id, new_group_name: str = "") -> ContactGroup:
    """The chosen group, or the one named (made when it does not exist yet; not committed)."""
    name = clean_line(new_group_name)[:160]
    group = None
    if name:
        group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name_folded == fold(name)))
        if group is None:
            group = ContactGroup(name=name, name_folded=fold(name), description="")
            db.session.add(group)
            db.session.flush()
    elif group_id:
        group = get_contact_group(group_id)
    if group is None:
        raise InvitationError(_("Choose a group, or type the name of a new one."))
    if group.is_post_based:
        raise InvitationError(_("The members of \"%(name)s\" are whoever holds its post: change them on the posts page.",
                                name=group.name))
    return group


def check_bulk_group(group_id, new_group_name: str = "") -> None:
    """Raises InvitationError when ``bulk_group`` would (before an import is written)."""
    if clean_line(new_group_name):
        existing = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name_folded == fold(new_group_name)))
        if existing is None:
            return
        group_id = existing.id
    bulk_group(group_id)


def add_contacts_to_group(contact_ids, group_id=None, new_group_name: str = "") -> tuple[ContactGroup, int]:
    """Put the contacts in a group (a new one when named), in one transaction; returns the group
    and how many were not in it before."""
    ids = _contact_ids(contact_ids)
    if not ids:
        raise InvitationError(_("Tick at least one contact."))
    with transaction():
        group = bulk_group(group_id, new_group_name)
        present: set[int] = set()
        for i in range(0, len(ids), 500):
            present.update(db.session.scalars(sa.select(contact_group_members.c.contact_id).where(
                contact_group_members.c.group_id == group.id, contact_group_members.c.contact_id.in_(ids[i:i + 500]))))
        rows = [{"contact_id": c, "group_id": group.id} for c in ids if c not in present]
        if rows:
            db.session.execute(contact_group_members.insert(), rows)
    return group, len(rows)


def remove_contacts_from_group(contact_ids, group_id) -> tuple[ContactGroup, int]:
    """Take the contacts out of a group, in one transaction; returns the group and how many left it."""
    ids = _contact_ids(contact_ids)
    if not ids:
        raise InvitationError(_("Tick at least one contact."))
    if not group_id:
        raise InvitationError(_("Choose the group to take them out of."))
    group = bulk_group(group_id)
    removed = 0
    with transaction():
        for i in range(0, len(ids), 500):
            removed += db.session.execute(sa.delete(contact_group_members).where(
                contact_group_members.c.group_id == group.id,
                contact_group_members.c.contact_id.in_(ids[i:i + 500]))).rowcount
    return group, removed


# --------------------------------------------------------------------------- export


def export_contacts_xlsx() -> bytes:
    from openpyxl import Workbook  # heavy: only for the export
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Danh bạ"
    # Fixed Vietnamese headers: the file goes back in through the importer in any locale.
    ws.append(["STT", "Họ và tên", "Họ", "Tên đệm", "Tên", "Chức vụ", "Đơn vị", "Tổ dân phố", "Số điện thoại",
               "Email", "Nhóm", "Ghi chú"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, c in enumerate(list_contacts(), start=1):
        ws.append(safe_row([n, c.full_name, c.family_name, c.middle_name, c.given_name, c.position, c.unit,
                            c.residential_group.name if c.residential_group else "", format_phone_local(c.phone),
                            c.email or "", "; ".join(sorted((g.name for g in c.groups), key=sort_key)), c.notes]))
    for col, width in zip("ABCDEFGHIJKL", (6, 28, 12, 14, 10, 30, 30, 18, 15, 28, 30, 30), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

