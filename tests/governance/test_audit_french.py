"""A French audit report is French all the way: headings, labels and answers (issue #16 item 4)."""

from __future__ import annotations

import re

from ccc_governance.governance import audit


def test_french_audit_report_has_no_english_heading_or_label(gdb):
    a = audit.start_audit(gdb, "CallCo", contract_id="acme", lang="fr", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.owner", "yes", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.monitoring", "partly", comment="grille ancienne", on="2026-11-02")
    rep = audit.report(gdb, a["id"])
    text, md = audit.render(rep, "text"), audit.render(rep, "md")
    assert "Note globale: 83.3 %" in text  # (2×1 + 1×0.5) / 3
    assert "| Rubrique | Note | Répondues | Sans objet | Sans réponse |" in md
    assert "## Non-conformités" in md and "(en partie)" in md and "Audit n° 1 de CallCo (contrat acme)" in md
    for english in ("Overall score", "Section", "Score", "Answered", "Unanswered", "Non-conformities",
                    "partly", " of CallCo", "contract acme", "answered", "open)"):
        assert english not in text + md, english
    # Every section title is the checklist's French one.
    assert re.search(r"Management de la qualité du service externalisé\s+83\.3 %", text)


def test_english_audit_report_keeps_its_labels(gdb):
    a = audit.start_audit(gdb, "CallCo", contract_id="acme", on="2026-11-02")
    audit.answer(gdb, a["id"], "quality.owner", "no", on="2026-11-02")
    md = audit.render(audit.report(gdb, a["id"]), "md")
    assert "**Overall score: 0.0 %**" in md and "| Section | Score | Answered | N/A | Unanswered |" in md
    assert "- **quality.owner** (no):" in md
