"""The invitations domain's services, by responsibility:

- ``directory``: contacts, groups, posts and hand-overs, bulk group changes, the export
- ``import_jobs``: contact imports as queued jobs (upload, analysis, preview, all-or-nothing write)
- ``invites``: invitation lists, personal links, answers
- ``sending``: invitations and reminders through the notification engine
- ``messages``: every e-mail and SMS text; ``notices``: changes and cancellations of the event
- ``checkin``: check-in, walk-ins, the sign-in sheet; ``reports``: the attendance report
- ``letters``: the printed giấy mời; ``audit``: who exported or printed what

Callers import from here; the modules import each other directly, never through this file.
"""

from civic.invitations.errors import Conflict, ConsentMissing, ImportFileError, InvitationError
from civic.invitations.labels import (
    answer_label,
    legal_basis_labels,
    role_labels,
    source_label,
    status_labels,
)
from civic.invitations.services.audit import record_access
from civic.invitations.services.checkin import (
    SHEET_GROUPINGS,
    add_walk_in,
    check_in,
    invitation_by_checkin_code,
    search_invitees,
    section_of,
    sign_in_sheet,
    tick_signed,
    unit_of,
    unit_sort_key,
)
from civic.invitations.services.directory import (
    DEFAULT_LEGAL_BASIS,
    LEGAL_BASES,
    add_contacts_to_group,
    bulk_group,
    bulk_groups,
    check_bulk_group,
    check_legal_basis,
    create_contact_group,
    create_post,
    current_holders,
    current_holding,
    delete_contact,
    export_contacts_xlsx,
    get_contact,
    get_contact_group,
    get_or_create_post,
    get_post,
    group_members,
    hand_over,
    list_contact_groups,
    list_contacts,
    list_posts,
    person_name,
    remove_contacts_from_group,
    row_id,
    save_contact,
)
from civic.invitations.services.import_jobs import (
    confirm_import,
    read_job,
    remap_import,
    run_import_analysis,
    start_import,
)
from civic.invitations.services.invites import (
    DEFAULT_ROLE,
    RECORDED_CHANNELS,
    RESPONSES,
    add_invitees,
    answer,
    answers_closed,
    checkin_url,
    follow_hand_overs,
    get_invitation,
    invitation_by_token,
    list_invitations,
    managed_events,
    record_answer,
    remove_invitation,
    respond_url,
    set_role,
)
from civic.invitations.services.letters import (
    letter_settings,
    qr_data_uri,
    save_letter_settings,
    ward_settings,
)
from civic.invitations.services.notices import (
    CHANGE_GRACE,
    CHANGE_LOOKBACK,
    CHANGE_WINDOW,
    announce_cancellation,
    announce_change_window,
    announce_due_changes,
    change_notice_targets,
    change_window_start,
    connect_event_signals,
)
from civic.invitations.services.reports import attendance_report, report_chart_svg, report_xlsx
from civic.invitations.services.sending import (
    SendResult,
    send,
    send_invitations,
    send_reminders,
    send_to,
    unsent_invitations,
)

__all__ = [
    "CHANGE_GRACE", "CHANGE_LOOKBACK", "CHANGE_WINDOW", "DEFAULT_LEGAL_BASIS", "DEFAULT_ROLE", "LEGAL_BASES",
    "RECORDED_CHANNELS", "RESPONSES", "SHEET_GROUPINGS", "Conflict", "ConsentMissing", "ImportFileError", "InvitationError", "SendResult",
    "add_contacts_to_group", "add_invitees", "add_walk_in", "announce_cancellation", "announce_change_window",
    "announce_due_changes", "answer", "answer_label", "answers_closed", "attendance_report", "bulk_group",
    "bulk_groups", "change_notice_targets", "change_window_start", "check_bulk_group", "check_in",
    "check_legal_basis", "checkin_url", "confirm_import", "connect_event_signals", "create_contact_group", "create_post",
    "current_holders", "current_holding", "delete_contact", "export_contacts_xlsx", "follow_hand_overs",
    "get_contact", "get_contact_group", "get_invitation", "get_or_create_post", "get_post", "group_members",
    "hand_over", "invitation_by_checkin_code", "invitation_by_token", "legal_basis_labels", "letter_settings",
    "list_contact_groups", "list_contacts", "list_invitations", "list_posts", "managed_events", "person_name", "qr_data_uri",
    "read_job", "record_access", "record_answer", "remap_import", "remove_contacts_from_group", "remove_invitation",
    "report_chart_svg", "report_xlsx", "respond_url", "row_id", "role_labels", "run_import_analysis", "save_contact",
    "save_letter_settings", "search_invitees", "section_of", "send", "send_invitations", "send_reminders", "send_to",
    "set_role", "sign_in_sheet", "source_label", "start_import", "status_labels", "tick_signed", "unit_of",
    "unit_sort_key", "unsent_invitations", "ward_settings",
]
