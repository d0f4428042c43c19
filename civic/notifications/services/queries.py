"""Reading the ledger: campaign lists, progress, failures, titles and previews (no writes)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from civic.core.permissions import can_organize, is_admin
from civic.extensions import db
from civic.notifications.claims import job_from
from civic.notifications.models import STATUSES, Campaign, Delivery, DeliveryStatus, Reason
from civic.notifications.policy import transactional_clause
from civic.notifications.rendering import Recipient, campaign_title
from civic.notifications.worker import render_job


def campaigns_query(user):
    """Admins see every campaign, organizers their own."""
    query = sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not is_admin(user):
        query = query.where(Campaign.created_by_id == user.id)
    return query


def broadcasts_query(user):
    """The campaigns list: messages to many (announcements, reminders, invitations), newest first.
    Confirmations, links and codes to one person are on the transactional page instead."""
    return campaigns_query(user).where(sa.not_(transactional_clause()))


def transactional_deliveries_query(user):
    """One row per transactional message (confirmation, link, code), newest first, with its campaign."""
    query = (
        sa.select(Delivery).join(Campaign, Campaign.id == Delivery.campaign_id)
        .options(contains_eager(Delivery.campaign))
        .where(transactional_clause())
        .order_by(Delivery.id.desc())
    )
    if not is_admin(user):
        query = query.where(Campaign.created_by_id == user.id)
    return query


def can_view_campaign(user, campaign: Campaign) -> bool:
    return is_admin(user) or (can_organize(user) and campaign.created_by_id == user.id)


def get_campaign_for(user, campaign_id: int) -> Campaign | None:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_view_campaign(user, campaign):
        return None
    return campaign


def campaign_with_attachments(campaign_id: int) -> Campaign | None:
    return db.session.scalar(
        sa.select(Campaign).options(selectinload(Campaign.attachments)).where(Campaign.id == campaign_id)
    )


def campaign_titles(campaigns) -> dict[int, str]:
    """id -> title; campaigns written before titles existed are named from their first delivery."""
    titles = {c.id: c.title for c in campaigns if c.title}
    missing = [c for c in campaigns if not c.title]
    if missing:
        first_ids = sa.select(sa.func.min(Delivery.id)).where(
            Delivery.campaign_id.in_([c.id for c in missing])).group_by(Delivery.campaign_id)
        firsts = {d.campaign_id: d for d in db.session.scalars(sa.select(Delivery).where(Delivery.id.in_(first_ids)))}
        for c in missing:
            d = firsts.get(c.id)
            people = [Recipient(key="", name=d.name, context=d.context or {})] if d else []
            titles[c.id] = campaign_title(c.subject or "", people) or c.subject or ""
    return titles


def _could_be_sent():
    """Rows written before campaigns left out channels a person cannot receive are not counted."""
    return sa.or_(Delivery.reason.is_(None), Delivery.reason != Reason.NO_ADDRESS)


def status_counts(campaign_ids) -> dict[int, dict[str, int]]:
    ids = list(campaign_ids)
    result = {cid: {str(s): 0 for s in STATUSES} for cid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(Delivery.campaign_id, Delivery.status, sa.func.count())
        .where(Delivery.campaign_id.in_(ids), _could_be_sent())
        .group_by(Delivery.campaign_id, Delivery.status)
    )
    for cid, status, count in rows:
        result[cid][status] = count
    return result


def finished_count(counts: dict[str, int]) -> int:
    """Deliveries that reached an end: sent, failed or skipped."""
    return counts[DeliveryStatus.SENT] + counts[DeliveryStatus.FAILED] + counts[DeliveryStatus.SKIPPED]


def progress(campaign: Campaign) -> dict:
    counts = status_counts([campaign.id])[campaign.id]
    total = sum(counts.values())
    done = finished_count(counts)
    deferred = db.session.scalar(
        sa.select(sa.func.count()).select_from(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.PENDING,
               Delivery.reason.is_not(None))
    )
    return {
        "campaign_id": campaign.id, "total": total, "done": done, "counts": counts,
        "deferred": deferred or 0, "finished": total == done,
        "percent": 100 if total == 0 else int(done * 100 / total),
    }


def failures(campaign: Campaign, limit: int = 200) -> list[Delivery]:
    waiting_or_skipped = sa.and_(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SKIPPED)),
                                 Delivery.reason.is_not(None))
    return list(db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.campaign_id == campaign.id, _could_be_sent(),
               sa.or_(Delivery.status == DeliveryStatus.FAILED, waiting_or_skipped))
        .order_by(Delivery.status, Delivery.id).limit(limit)
    ))


def first_delivery(campaign: Campaign) -> Delivery | None:
    return db.session.scalar(
        sa.select(Delivery).where(Delivery.campaign_id == campaign.id).order_by(Delivery.id).limit(1)
    )


def preview(campaign: Campaign) -> dict | None:
    """The campaign rendered for its first recipient (per channel), or None without recipients."""
    delivery = first_delivery(campaign)
    if delivery is None:
        return None
    parts = render_job(job_from(delivery, campaign, []))
    return {"to": delivery.name or delivery.recipient_key, **parts}


def deliveries_for(campaign: Campaign, status: str | None = None, limit: int = 100):
    query = sa.select(Delivery).where(Delivery.campaign_id == campaign.id)
    if status:
        query = query.where(Delivery.status == status)
    return list(db.session.scalars(query.order_by(Delivery.id).limit(limit)))
