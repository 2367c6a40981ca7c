"""Every hook a ccc-governance plugin can implement. This module is the plugin API.

Plugins implement hooks with `ccc_governance.hookimpl`:

    from ccc_governance import hookimpl

    @hookimpl
    def register_sources(register):
        register(Source(name="my-platform", description="…", read=read_my_platform))

Each hook is documented in `docs/plugins.md` under its exact signature; a test fails if one is not.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("ccc_governance")
hookimpl = pluggy.HookimplMarker("ccc_governance")


@hookspec
def register_sources(register):
    """Call `register(source)` once for each `ccc_governance.sources.Source` the plugin provides."""


@hookspec
def breach_detected(breach, result, contract, workspace):
    """Called once when a breach is first found; `breach` and `result` are dicts as stored. Returns nothing.

    Delivery goes through an outbox (`engine.notifications`): the call may come from a later run than
    the one that found the breach (an export that evaluated, a retry). An implementation that raises
    is called again for that breach at the next run, until it returns; one that returned is never
    called again for it. Raising never stops the evaluation (one warning line).
    """


@hookspec
def register_commands(cli):
    """Add click commands or groups to the `ccc` command-line group `cli`. Returns nothing."""
