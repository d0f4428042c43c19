"""Polling areas (khu vực bỏ phiếu) and where a tổ dân phố votes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup
from civic.core.db import announce, transaction
from civic.core.text import clean_line
from civic.elections import signals
from civic.elections.errors import ElectionConflict, ElectionError
from civic.elections.labels import hours_text
from civic.elections.models import Election, PollingArea, PollingAreaGroup
from civic.elections.services.common import (
    MAP_URL_MAX,
    STATION_ADDRESS_MAX,
    STATION_NAME_MAX,
    check_length,
    find_group,
)
from civic.extensions import db


@dataclass
class AreaFields:
    number: int
    station_name: str
    station_address: str
    map_url: str | None
    groups: dict[int, ResidentialGroup]  # by id, sorted by id


def get_area(election: Election, area_id) -> PollingArea | None:
    try:
        area_id = int(area_id)
    except (TypeError, ValueError):
        return None
    return next((a for a in election.areas if a.id == area_id), None)


def _clean_number(raw) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError) as exc:
        raise ElectionError(_("Enter the polling area's number.")) from exc
    if number < 1 or number > 10_000:
        raise ElectionError(_("The polling area's number must be between 1 and 10000."))
    return number


def _clean_groups(raw_ids) -> dict[int, ResidentialGroup]:
    group_ids = []
    for raw in raw_ids or []:
        try:
            group_ids.append(int(raw))
        except (TypeError, ValueError) as exc:
            raise ElectionError(_("Unknown residential group.")) from exc
    group_ids = sorted(set(group_ids))
    if any(not 1 <= group_id < 2**63 for group_id in group_ids):  # no such id, nor one the database compares
        raise ElectionError(_("Unknown residential group."))
    if not group_ids:
        raise ElectionError(_("A polling area must cover at least one residential group (tổ dân phố)."))
    found = {g.id: g for g in db.session.scalars(sa.select(ResidentialGroup).where(ResidentialGroup.id.in_(group_ids)))}
    if len(found) != len(group_ids):
        raise ElectionError(_("Unknown residential group."))
    return {group_id: found[group_id] for group_id in group_ids}


def _clean_area(data: dict) -> AreaFields:
    number = _clean_number(data.get("number"))
    station_name = clean_line(data.get("station_name"))
    station_address = clean_line(data.get("station_address"))
    if not station_name or not station_address:
        raise ElectionError(_("Enter the polling station's name and address."))
    check_length(station_name, STATION_NAME_MAX,
                 _("The polling station's name must be at most %(max)s characters.", max=STATION_NAME_MAX))
    check_length(station_address, STATION_ADDRESS_MAX,
                 _("The polling station's address must be at most %(max)s characters.", max=STATION_ADDRESS_MAX))
    return AreaFields(number, station_name, station_address, _clean_map_url(data.get("map_url")),
                      _clean_groups(data.get("group_ids")))


def _clean_map_url(raw) -> str | None:
    map_url = clean_line(raw) or None
    if map_url is None:
        return None
    if not map_url.startswith(("https://", "http://")):
        raise ElectionError(_("The map link must start with https://."))
    check_length(map_url, MAP_URL_MAX, _("The map link must be at most %(max)s characters.", max=MAP_URL_MAX))
    try:
        host = urlsplit(map_url).hostname or ""
    except ValueError:
        host = ""
    if "." not in host.strip(".") or any(c.isspace() for c in map_url):
        raise ElectionError(_("The map link is not a valid web address."))
    return map_url


def area_fields(area: PollingArea) -> dict:
    """The area's current values as a service input (the API's PATCH changes only what it gives)."""
    return {"number": area.number, "station_name": area.station_name, "station_address": area.station_address,
            "map_url": area.map_url, "group_ids": [link.group_id for link in area.links]}


def _check_against_other_areas(election: Election, fields: AreaFields, area: PollingArea | None) -> None:
    """One number per area, and a tổ dân phố votes in one area only."""
    for other in election.areas:
        if other is area:
            continue
        if other.number == fields.number:
            raise ElectionConflict(_("Polling area number %(number)s already exists in this election.", number=fields.number))
        for link in other.links:
            if link.group_id in fields.groups:
                raise ElectionConflict(
                    _(
                        "%(group)s is already in polling area number %(number)s; a residential group "
                        "votes in one area only.",
                        group=link.group.name,
                        number=other.number,
                    )
                )


def _write_area(election: Election, fields: AreaFields, area: PollingArea | None) -> PollingArea:
    if area is None:
        area = PollingArea(election=election)
        db.session.add(area)
    area.number, area.station_name = fields.number, fields.station_name
    area.station_address, area.map_url = fields.station_address, fields.map_url
    for link in list(area.links):
        if link.group_id not in fields.groups:
            area.links.remove(link)
    have = {link.group_id for link in area.links}
    db.session.flush()
    for group_id, group in fields.groups.items():
        if group_id not in have:
            area.links.append(PollingAreaGroup(group=group, election_id=election.id))
    db.session.flush()
    return area


def save_polling_area(election: Election, data: dict, area: PollingArea | None = None) -> PollingArea:
    """Add or change a polling area. It must cover at least one tổ dân phố, and a tổ dân phố
    may belong to only one area of an election. Nothing is written when a rule fails."""
    fields = _clean_area(data)
    _check_against_other_areas(election, fields, area)
    change = "created" if area is None else "updated"
    try:
        with transaction():
            area = _write_area(election, fields, area)
            announce(signals.area_changed, election_id=election.id, area_id=area.id, change=change)
    except sa.exc.IntegrityError as exc:
        # Two editors at once: the database's unique constraints have the last word.
        raise ElectionConflict(_("A residential group may be in only one polling area, and area numbers must differ.")) from exc
    return area


def delete_area(election: Election, area: PollingArea) -> None:
    with transaction():
        area_id = area.id
        election.areas.remove(area)
        announce(signals.area_changed, election_id=election.id, area_id=area_id, change="deleted")


@dataclass
class WhereToVote:
    election: Election
    group: ResidentialGroup
    area: PollingArea | None

    @property
    def hours(self) -> str:
        return hours_text(self.election)


def area_for_group(election: Election, group_id: int | None) -> PollingArea | None:
    if group_id is None:
        return None
    return next((a for a in election.areas if any(link.group_id == group_id for link in a.links)), None)


def where_to_vote(election: Election, group_text_or_id) -> WhereToVote:
    """The polling area of a tổ dân phố, however the resident typed it (see common.find_group)."""
    group = find_group(group_text_or_id)
    return WhereToVote(election=election, group=group, area=area_for_group(election, group.id))
