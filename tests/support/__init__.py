"""Helpers shared by the integration tests and the rehearsal (stand-ins, playbook runs)."""
