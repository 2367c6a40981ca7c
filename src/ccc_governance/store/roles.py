"""The four group roles of a shared PostgreSQL store, as SQL (`ccc store roles [--apply]`).

- `ccc_viewer`: reads everything;
- `ccc_manager`: a viewer who evaluates and works the breach workflow, reviews and sign-offs,
  actions, evidence, audits;
- `ccc_integrator`: a viewer who imports and undoes batches (and keeps the aggregates an import
  refreshes);
- `ccc_admin`: all of that, and contracts, exclusions, purges.

Nobody is granted UPDATE, DELETE or TRUNCATE on `change_log` (and a trigger refuses them even
to its owner), and a row rule lets the four roles add only entries whose `actor` is the session's
own role. A person gets a role with `GRANT ccc_manager TO alice`. The SQL names tables only
(no value of anyone's is in it); it is idempotent: run it again after `ccc store init` applied a
migration that added a table.
"""

from __future__ import annotations

from .intervals import SLOT_COLUMNS

ROLES = ("ccc_viewer", "ccc_manager", "ccc_integrator", "ccc_admin")

#: caches every writer refreshes (evaluation and imports)
_DERIVED = ("agg_meta", "agg_queues", "agg_state", "kpi_daily", "kpi_monthly", "kpi_results", "credits", "notifications",
            "breaches", "breach_events", "contact_wait_rules")
_IMPORTS = ("batches", "contacts", "surveys", "complaints", "quality_evaluations", "interval_aggregates",
            "workforce", "reported_figures", "invoice_lines", "quarantine", "replaced_rows", "source_state", "store_meta",
            "contact_slices", "contact_intervals", "contact_waits", "contact_csat", "contact_first_response",
            "contact_intervals_bulk")
_GOVERNANCE = ("reviews", "review_signoffs", "actions", "evidence", "blobs", "audits", "audit_answers",
               "export_packs")
_ADMIN = ("contract_versions", "exclusions", "purges")

WRITES = {
    "ccc_manager": _DERIVED + _GOVERNANCE,
    "ccc_integrator": _DERIVED + _IMPORTS,
    "ccc_admin": _DERIVED + _IMPORTS + _GOVERNANCE + _ADMIN,
}


def roles_sql(schema: str = "public") -> str:
    """The whole script (one transaction when applied)."""
    s = f'"{schema}"'
    out = ["-- ccc-governance: group roles of a shared store (ccc store roles). Idempotent."]
    for role in ROLES:
        out.append(f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
    out += [f"GRANT ccc_viewer TO {r};" for r in ("ccc_manager", "ccc_integrator")]
    out += ["GRANT ccc_manager TO ccc_admin;", "GRANT ccc_integrator TO ccc_admin;"]
    out += [f"GRANT USAGE ON SCHEMA {s} TO ccc_viewer;",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO ccc_viewer;",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO ccc_viewer;"]
    for role, tables in WRITES.items():
        out.append(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(f'{s}.{t}' for t in dict.fromkeys(tables))} TO {role};")
        out.append(f"GRANT INSERT ON {s}.change_log TO {role};")
        out.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {role};")
    # (an evaluation that meets a new wait threshold counts it in a free slot of the interval figures)
    out.append(f"GRANT UPDATE ({', '.join(SLOT_COLUMNS)}) ON {s}.contact_intervals TO ccc_manager;")
    out.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {s}.change_log FROM PUBLIC;")
    # Row rule: an entry of the change log names the role of the session that writes it (a client
    # with the grants above cannot write one in another's name; the owner is not bound by it).
    out += [f"ALTER TABLE {s}.change_log ENABLE ROW LEVEL SECURITY;",
            f"DROP POLICY IF EXISTS ccc_read ON {s}.change_log;",
            f"CREATE POLICY ccc_read ON {s}.change_log FOR SELECT USING (true);",
            f"DROP POLICY IF EXISTS ccc_own_name ON {s}.change_log;",
            f"CREATE POLICY ccc_own_name ON {s}.change_log FOR INSERT WITH CHECK (actor = session_user);"]
    return "\n".join(out) + "\n"
