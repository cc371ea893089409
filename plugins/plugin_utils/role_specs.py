# Copyright: (c) 2026, eks_llm.inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of the collection's roles, read from the roles inside the collection (wherever it is
installed). Shared by the lookups role_argument_spec and role_inputs (controller side)."""

import os

import yaml
from ansible.errors import AnsibleLookupError

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def main_options(role):
    """The options of the C(main) entry point of ``role``; a clear error for a name that is not a role here."""
    path = os.path.join(ROLES_DIR, str(role), "meta", "argument_specs.yml")
    if not os.path.exists(path):
        known = sorted(name for name in os.listdir(ROLES_DIR) if not name.startswith("."))
        raise AnsibleLookupError("role %s is not a role of eks_llm.inference (roles: %s)" % (role, ", ".join(known)))
    with open(path) as handle:
        spec = yaml.safe_load(handle) or {}
    return spec.get("argument_specs", {}).get("main", {}).get("options", {})
