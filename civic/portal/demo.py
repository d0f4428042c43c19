"""Demo data for the whole portal; each domain loads its own part, idempotently."""

from __future__ import annotations


def load_demo() -> list[str]:
    from civic.accounts import demo as accounts_demo
    from civic.elections import demo as elections_demo
    from civic.events import demo as events_demo
    from civic.invitations import demo as invitations_demo
    from civic.news import demo as news_demo
    from civic.privacy import demo as privacy_demo
    from civic.schedule import demo as schedule_demo
    from civic.schedule import demo_reception as reception_demo

    report: list[str] = []
    for module in (accounts_demo, news_demo, events_demo, invitations_demo, elections_demo, reception_demo,
                   schedule_demo):
        report.extend(module.load_demo())
    report.extend(privacy_demo.load_demo())  # after the others: it counts their consents
    return report
